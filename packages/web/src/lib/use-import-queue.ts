import { useCallback, useRef, useState } from 'react';
import { type ImportItem, importOneFile } from './avatar-import';
import { useAvatarCache } from './avatars';
import { useLuminaClient } from './lumina-client';

/**
 * Imports files one at a time (each card is its own transaction on the server), so the list
 * shows which file is on its way and a bad file never holds up the rest. New drops join the queue.
 */
export function useImportQueue() {
  const lumina = useLuminaClient();
  const cache = useAvatarCache();
  const [items, setItems] = useState<ImportItem[]>([]);
  const queue = useRef<{ key: string; file: File }[]>([]);
  const running = useRef(false);
  const nextKey = useRef(0);

  const run = useCallback(async () => {
    if (running.current) return;
    running.current = true;
    try {
      let next = queue.current.shift();
      while (next) {
        const { key, file } = next;
        setItems((list) => list.map((item) => (item.key === key ? { ...item, state: 'uploading' } : item)));
        const result = await importOneFile(lumina, file);
        setItems((list) =>
          list.map((item) =>
            item.key === key
              ? { key, fileName: item.fileName, size: item.size, state: 'done', result }
              : item,
          ),
        );
        if (result.ok) cache.refreshList();
        next = queue.current.shift();
      }
    } finally {
      running.current = false;
    }
  }, [lumina, cache]);

  const add = useCallback(
    (files: Iterable<File>) => {
      const added: ImportItem[] = [];
      for (const file of files) {
        const key = `f${nextKey.current++}`;
        queue.current.push({ key, file });
        added.push({ key, fileName: file.name, size: file.size, state: 'queued' });
      }
      if (added.length === 0) return;
      setItems((list) => [...list, ...added]);
      void run();
    },
    [run],
  );

  const clear = useCallback(() => setItems((list) => list.filter((item) => item.state !== 'done')), []);

  const done = items.filter((item) => item.state === 'done').length;
  return {
    items,
    add,
    clear,
    busy: done < items.length,
    done,
    succeeded: items.filter((item) => item.state === 'done' && item.result.ok).length,
    percent: items.length === 0 ? 0 : Math.round((done / items.length) * 100),
  };
}

export type ImportQueue = ReturnType<typeof useImportQueue>;

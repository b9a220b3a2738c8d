import { useCallback, useRef, useState } from 'react';
import { type DuplicateChoice, type ImportItem, importOneFile, isDuplicate } from './avatar-import';
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
  const queue = useRef<{ key: string; file: File; onDuplicate?: DuplicateChoice }[]>([]);
  // The files answered "already imported", kept until the person chooses what to do with them.
  const awaitingChoice = useRef(new Map<string, File>());
  const running = useRef(false);
  const nextKey = useRef(0);

  const run = useCallback(async () => {
    if (running.current) return;
    running.current = true;
    try {
      let next = queue.current.shift();
      while (next) {
        const { key, file, onDuplicate } = next;
        setItems((list) => list.map((item) => (item.key === key ? { ...item, state: 'uploading' } : item)));
        const result = await importOneFile(lumina, file, undefined, onDuplicate);
        if (!result.ok && result.duplicateOf) awaitingChoice.current.set(key, file);
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

  /** The person's answer for a file they already imported: send it again with it, or leave it. */
  const resolveDuplicate = useCallback(
    (key: string, choice: Exclude<DuplicateChoice, 'ask'> | 'skip') => {
      const file = awaitingChoice.current.get(key);
      if (!file) return;
      awaitingChoice.current.delete(key);
      if (choice === 'skip') {
        setItems((list) =>
          list.map((item) =>
            item.key === key && item.state === 'done'
              ? {
                  ...item,
                  result: {
                    fileName: item.fileName,
                    ok: false,
                    error: { code: 'skipped', message: 'Skipped: you kept the avatar you already had.' },
                  },
                }
              : item,
          ),
        );
        return;
      }
      queue.current.push({ key, file, onDuplicate: choice });
      setItems((list) =>
        list.map((item) =>
          item.key === key ? { key, fileName: item.fileName, size: item.size, state: 'queued' } : item,
        ),
      );
      void run();
    },
    [run],
  );

  const clear = useCallback(() => {
    awaitingChoice.current.clear();
    setItems((list) => list.filter((item) => item.state !== 'done'));
  }, []);

  const done = items.filter((item) => item.state === 'done').length;
  return {
    items,
    add,
    resolveDuplicate,
    clear,
    busy: done < items.length,
    done,
    succeeded: items.filter((item) => item.state === 'done' && item.result.ok).length,
    /** Files already imported before, waiting for "replace" or "keep both". */
    awaiting: items.filter((item) => item.state === 'done' && isDuplicate(item.result)).length,
    skipped: items.filter(
      (item) => item.state === 'done' && !item.result.ok && item.result.error.code === 'skipped',
    ).length,
    percent: items.length === 0 ? 0 : Math.round((done / items.length) * 100),
  };
}

export type ImportQueue = ReturnType<typeof useImportQueue>;

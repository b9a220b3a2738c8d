import clsx from 'clsx';
import { FileUp, Upload } from 'lucide-react';
import { useId, useRef, useState } from 'react';
import { IMPORT_ACCEPT } from '../../lib/avatar-import';
import type { ImportQueue } from '../../lib/use-import-queue';
import { Dialog, DialogActions } from '../dialog';
import { ProgressBar } from '../progress-bar';
import { ImportResults } from './import-results';

/** The file picker for imports, as a button. */
export function ImportFileButton({
  onFiles,
  className,
  children,
}: {
  onFiles: (files: File[]) => void;
  className?: string;
  children: React.ReactNode;
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className={className} onClick={() => input.current?.click()}>
        {children}
      </button>
      <input
        ref={input}
        type="file"
        accept={IMPORT_ACCEPT}
        multiple
        hidden
        tabIndex={-1}
        aria-hidden="true"
        onChange={(event) => {
          const files = [...(event.target.files ?? [])];
          event.target.value = '';
          if (files.length) onFiles(files);
        }}
      />
    </>
  );
}

/**
 * Import character cards: drop files or choose them, then follow each file's result. The
 * dialog stays usable while files upload; more files join the queue.
 */
export function ImportDialog({
  open,
  onOpenChange,
  queue,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  queue: ImportQueue;
}) {
  const [over, setOver] = useState(false);
  const hintId = useId();
  const { items, busy, done, succeeded, awaiting, skipped, percent } = queue;
  const failed = done - succeeded - awaiting - skipped;

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (!next && !busy) queue.clear();
        onOpenChange(next);
      }}
      title="Import avatars"
      description="Character cards from SillyTavern, Chub and other apps (PNG, JSON, CHARX) or Lumina XML. Up to 10 MB each."
      size="md"
    >
      {/* biome-ignore lint/a11y/noStaticElementInteractions: the drop target for a mouse; the button inside is the keyboard way */}
      <div
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(event) => {
          // Handled here; the page-wide drop handler sees defaultPrevented and only resets.
          event.preventDefault();
          setOver(false);
          queue.add([...event.dataTransfer.files]);
        }}
        className={clsx(
          'flex flex-col items-center gap-2 rounded-xl border-2 border-dashed px-4 text-center transition-colors',
          items.length ? 'py-4' : 'py-8',
          over ? 'border-accent bg-accent-soft/60' : 'border-line-strong bg-surface-sunken/40',
        )}
      >
        <FileUp className="size-6 text-ink-subtle" aria-hidden="true" />
        <p className="text-sm text-ink" id={hintId}>
          Drop files here, or
        </p>
        <ImportFileButton onFiles={queue.add} className="btn-secondary">
          <Upload className="size-4" aria-hidden="true" />
          Choose files…
        </ImportFileButton>
        <p className="text-xs text-ink-muted">.png · .json · .charx · .xml — several at once is fine</p>
      </div>

      {items.length > 0 ? (
        <div className="mt-4 flex flex-col gap-3">
          <div>
            <p className="mb-1.5 flex justify-between text-sm" aria-live="polite">
              <span className="font-medium text-ink">
                {busy ? `Importing ${done + 1} of ${items.length}…` : 'Import finished'}
              </span>
              <span className="text-ink-muted">
                {succeeded} imported{failed ? ` · ${failed} failed` : ''}
                {skipped ? ` · ${skipped} skipped` : ''}
                {awaiting ? ` · ${awaiting} already imported` : ''}
              </span>
            </p>
            <ProgressBar
              percent={percent}
              label="Import progress"
              tone={!busy && failed > 0 && succeeded === 0 ? 'bad' : busy ? 'accent' : 'ok'}
            />
          </div>
          {awaiting > 0 ? (
            <p className="text-sm text-ink" role="status">
              {awaiting === 1
                ? 'One card is one you imported before. Choose below whether to replace that avatar or keep both.'
                : `${awaiting} cards are ones you imported before. Choose below for each whether to replace that avatar or keep both.`}
            </p>
          ) : null}
          <ImportResults
            items={items}
            onOpen={() => onOpenChange(false)}
            onResolveDuplicate={queue.resolveDuplicate}
          />
        </div>
      ) : null}

      <DialogActions>
        <button type="button" className="btn-secondary" onClick={() => onOpenChange(false)}>
          {busy ? 'Hide' : 'Done'}
        </button>
      </DialogActions>
    </Dialog>
  );
}

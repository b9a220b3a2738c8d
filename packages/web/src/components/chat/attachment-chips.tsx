import clsx from 'clsx';
import { CircleAlert, FileText, LoaderCircle, Paperclip, RotateCcw, X } from 'lucide-react';
import { useRef } from 'react';
import {
  ATTACHMENT_ACCEPT,
  ATTACHMENT_LIMITS,
  type ComposerAttachment,
  type ComposerAttachments,
} from '../../lib/attachments';
import { formatBytes } from '../../lib/progress';

/** The paperclip: picks files (pictures and documents) for the message. */
export function AttachButton({
  onFiles,
  disabled,
}: {
  onFiles: (files: File[]) => void;
  disabled?: boolean | undefined;
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className="icon-btn shrink-0 rounded-xl disabled:pointer-events-none disabled:opacity-40"
        aria-label="Attach files"
        title={`Attach pictures or documents (up to ${ATTACHMENT_LIMITS.perMessage})`}
        disabled={disabled}
        onClick={() => input.current?.click()}
      >
        <Paperclip className="size-[18px]" aria-hidden="true" />
      </button>
      <input
        ref={input}
        type="file"
        multiple
        accept={ATTACHMENT_ACCEPT}
        className="hidden"
        tabIndex={-1}
        aria-hidden="true"
        onChange={(event) => {
          const files = Array.from(event.target.files ?? []);
          // The same file can be picked again after it was removed.
          event.target.value = '';
          onFiles(files);
        }}
      />
    </>
  );
}

/**
 * The files in the message box, above the text: a notice when some were left out (the message
 * was full), then one chip per file.
 */
export function AttachmentTray({ attachments }: { attachments: ComposerAttachments }) {
  const { items, notice } = attachments;
  if (items.length === 0 && !notice) return null;
  return (
    <div className="flex min-w-0 flex-col gap-1.5 px-1 pt-1">
      {notice ? (
        <p role="status" className="flex items-start gap-1.5 text-xs text-warn">
          <CircleAlert className="mt-px size-3.5 shrink-0" aria-hidden="true" />
          <span className="min-w-0 flex-1">{notice}</span>
          <button type="button" className="link shrink-0 text-xs" onClick={attachments.dismissNotice}>
            Dismiss
          </button>
        </p>
      ) : null}
      {items.length > 0 ? (
        <ul aria-label="Attached files" className="flex min-w-0 flex-wrap gap-2">
          {items.map((item) => (
            <li key={item.key} className="min-w-0 max-w-full">
              <AttachmentChip
                item={item}
                onRemove={() => attachments.remove(item.key)}
                onRetry={() => attachments.retry(item.key)}
              />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** One file: thumbnail or icon, name, size or progress or the reason it failed, and ×. */
export function AttachmentChip({
  item,
  onRemove,
  onRetry,
}: {
  item: ComposerAttachment;
  onRemove: () => void;
  onRetry: () => void;
}) {
  const failed = item.status === 'error';
  const uploading = item.status === 'uploading';
  const percent = Math.round(item.progress * 100);
  return (
    <div
      data-attachment-status={item.status}
      className={clsx(
        'relative flex max-w-full min-w-0 gap-2.5 overflow-hidden rounded-xl border p-1.5 pr-1',
        failed
          ? 'w-72 items-start border-bad/40 bg-bad-soft'
          : 'items-center border-line bg-surface-sunken/60',
      )}
    >
      <span className="relative flex size-10 shrink-0 items-center justify-center overflow-hidden rounded-lg bg-surface text-ink-muted">
        {item.kind === 'image' && item.previewUrl && !failed ? (
          <img src={item.previewUrl} alt="" className="size-full object-cover" />
        ) : failed ? (
          <CircleAlert className="size-5 text-bad" aria-hidden="true" />
        ) : (
          <FileText className="size-5" aria-hidden="true" />
        )}
        {uploading ? (
          <span className="absolute inset-0 flex items-center justify-center bg-black/35">
            <LoaderCircle className="size-5 animate-spin text-white" aria-hidden="true" />
          </span>
        ) : null}
      </span>
      <span className="min-w-0 flex-1">
        <span className="block truncate text-sm font-medium text-ink" title={item.name}>
          {item.name}
        </span>
        {failed ? (
          <span className="block text-xs leading-snug text-bad">{item.error}</span>
        ) : uploading ? (
          <span className="block text-xs text-ink-muted tabular-nums">
            Uploading… {percent}%<span className="sr-only"> of {formatBytes(item.sizeBytes)}</span>
          </span>
        ) : (
          <span className="block truncate text-xs text-ink-muted">
            {item.kind === 'image' ? 'Picture' : documentLabel(item)} · {formatBytes(item.sizeBytes)}
          </span>
        )}
      </span>
      {failed && item.retryable ? (
        <button
          type="button"
          className="icon-btn size-8 shrink-0 [&_svg]:size-4"
          aria-label={`Try uploading ${item.name} again`}
          title="Try again"
          onClick={onRetry}
        >
          <RotateCcw aria-hidden="true" />
        </button>
      ) : null}
      <button
        type="button"
        className="icon-btn size-8 shrink-0 self-start [&_svg]:size-4"
        aria-label={`Remove ${item.name}`}
        title="Remove"
        onClick={onRemove}
      >
        <X aria-hidden="true" />
      </button>
      {uploading ? (
        <span
          role="progressbar"
          aria-label={`Uploading ${item.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          className="absolute inset-x-0 bottom-0 h-0.5 bg-line"
        >
          <span
            className="block h-full bg-accent transition-[width] duration-150"
            style={{ width: `${percent}%` }}
          />
        </span>
      ) : null}
    </div>
  );
}

/** "PDF", "Word", "Text"…: what a document is, from its name or type. */
export function documentLabel(file: { name: string; attachment?: { mediaType: string } }): string {
  const extension = file.name.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? '';
  const type = file.attachment?.mediaType ?? '';
  if (extension === 'pdf' || type === 'application/pdf') return 'PDF';
  if (extension === 'docx' || type.includes('wordprocessingml')) return 'Word';
  if (extension === 'md' || extension === 'markdown' || type === 'text/markdown') return 'Markdown';
  if (extension === 'csv' || type === 'text/csv') return 'CSV';
  return 'Text';
}

import * as RadixDialog from '@radix-ui/react-dialog';
import clsx from 'clsx';
import { Download, FileText, X } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { MessagePart } from '../../lib/chat-stream';
import { formatBytes } from '../../lib/progress';
import { documentLabel } from './attachment-chips';

/** A `file` part of a message (`sizeBytes` in newer rows). */
export type FilePart = Extract<MessagePart, { type: 'file' }>;

const isImage = (file: FilePart) => file.mediaType.startsWith('image/');
const nameOf = (file: FilePart) => file.name?.trim() || (isImage(file) ? 'Picture' : 'File');

/**
 * Files of a message that sit together: pictures as a grid of thumbnails (click for the full
 * picture), then documents as chips that download.
 */
export function MessageFiles({
  files,
  align = 'start',
}: {
  files: readonly FilePart[];
  /** `end`: under the person's own bubble, on the right. */
  align?: 'start' | 'end';
}) {
  const pictures = files.filter(isImage);
  const documents = files.filter((file) => !isImage(file));
  const row = clsx('flex min-w-0 flex-wrap gap-2', align === 'end' && 'justify-end');
  return (
    <div data-files className={clsx('flex min-w-0 flex-col gap-2', align === 'end' && 'items-end')}>
      {pictures.length > 0 ? (
        <div data-file-grid className={row}>
          {pictures.map((file) => (
            <PictureThumbnail key={file.url} file={file} single={pictures.length === 1} />
          ))}
        </div>
      ) : null}
      {documents.length > 0 ? (
        <div className={row}>
          {documents.map((file) => (
            <DocumentChip key={file.url} file={file} />
          ))}
        </div>
      ) : null}
    </div>
  );
}

/** One picture: a thumbnail (one alone keeps its shape, several are squares) that opens a viewer. */
function PictureThumbnail({ file, single }: { file: FilePart; single: boolean }) {
  const [open, setOpen] = useState(false);
  const name = nameOf(file);
  return (
    <RadixDialog.Root open={open} onOpenChange={setOpen}>
      <RadixDialog.Trigger
        data-part="file"
        className="block max-w-full overflow-hidden rounded-xl border border-line bg-surface-sunken transition-opacity hover:opacity-90 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent"
        title={`${name} — open`}
      >
        <img
          src={file.url}
          alt={name}
          loading="lazy"
          decoding="async"
          className={
            single
              ? 'block max-h-60 w-auto max-w-full object-contain sm:max-w-60'
              : 'block size-28 object-cover sm:size-36'
          }
        />
      </RadixDialog.Trigger>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="fixed inset-0 z-50 animate-fade-in bg-black/80 backdrop-blur-sm" />
        <RadixDialog.Content
          aria-describedby={undefined}
          className="fixed inset-0 z-50 flex animate-fade-in flex-col items-center justify-center gap-3 p-3 outline-none sm:p-8"
          onClick={(event) => {
            // A click beside the picture closes it, as a click on the dark backdrop would.
            if (event.target === event.currentTarget) setOpen(false);
          }}
        >
          <div className="flex w-full max-w-5xl items-center gap-2 text-white">
            <RadixDialog.Title className="min-w-0 flex-1 truncate text-sm font-medium" title={name}>
              {name}
              {file.sizeBytes ? (
                <span className="font-normal text-white/70"> · {formatBytes(file.sizeBytes)}</span>
              ) : null}
            </RadixDialog.Title>
            <a
              href={file.url}
              download={name}
              className="inline-flex h-9 shrink-0 items-center gap-1.5 rounded-lg bg-white/10 px-3 text-sm font-medium hover:bg-white/20 focus-visible:outline-2 focus-visible:outline-white"
            >
              <Download className="size-4" aria-hidden="true" />
              Download
            </a>
            <RadixDialog.Close
              className="inline-flex size-9 shrink-0 items-center justify-center rounded-lg bg-white/10 hover:bg-white/20 focus-visible:outline-2 focus-visible:outline-white"
              aria-label="Close"
            >
              <X className="size-4" aria-hidden="true" />
            </RadixDialog.Close>
          </div>
          {/* Never larger than it is: a small picture stays small, a large one fits the screen. */}
          <div className="flex min-h-0 w-full max-w-5xl flex-1 items-center justify-center">
            <img src={file.url} alt={name} className="max-h-full max-w-full rounded-lg object-contain" />
          </div>
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

/** A document: its name, kind, size and how much text the model read; a click downloads it. */
function DocumentChip({ file }: { file: FilePart }) {
  const name = nameOf(file);
  const meta = useAttachmentMeta(file.url);
  const size = file.sizeBytes ?? meta?.sizeBytes;
  const details = [
    documentLabel({ name, attachment: { mediaType: file.mediaType } }),
    size ? formatBytes(size) : null,
    meta?.textChars != null ? charactersRead(meta.textChars, meta.truncated) : null,
  ].filter(Boolean);
  return (
    <a
      href={file.url}
      download={name}
      data-part="file"
      title={`Download ${name}`}
      className="flex w-fit max-w-[min(100%,24rem)] min-w-56 items-center gap-2.5 rounded-xl border border-line bg-surface p-2 pr-3 text-left transition-colors hover:bg-surface-sunken focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent"
    >
      <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-accent-soft text-accent-soft-ink">
        <FileText className="size-5" aria-hidden="true" />
      </span>
      <span className="min-w-0 flex-1">
        <span className="block truncate text-sm font-medium text-ink">{name}</span>
        <span className="block truncate text-xs text-ink-muted">{details.join(' · ')}</span>
      </span>
      <Download className="size-4 shrink-0 text-ink-subtle" aria-hidden="true" />
    </a>
  );
}

/** "4,212 characters read", or "first 200,000 characters read" when the text was cut. */
export function charactersRead(count: number, truncated: boolean): string {
  if (count === 0) return 'no text found';
  const n = count.toLocaleString('en');
  return truncated ? `first ${n} characters read` : `${n} character${count === 1 ? '' : 's'} read`;
}

interface AttachmentMeta {
  sizeBytes: number;
  textChars: number | null;
  truncated: boolean;
}

/** Looked up once per attachment and page (the meta of a stored attachment never changes). */
const metaCache = new Map<string, Promise<AttachmentMeta | null>>();

function fetchMeta(url: string): Promise<AttachmentMeta | null> {
  let pending = metaCache.get(url);
  if (!pending) {
    pending = fetch(`${url}/meta`, { credentials: 'include' })
      .then(async (response) => {
        if (!response.ok) return null;
        const body = (await response.json()) as { attachment?: AttachmentMeta };
        return body.attachment ?? null;
      })
      .catch(() => null);
    metaCache.set(url, pending);
  }
  return pending;
}

/** How much text the server read from a document of ours (GET /api/attachments/:id/meta). */
function useAttachmentMeta(url: string): AttachmentMeta | null {
  const ours = /^\/api\/attachments\/[^/]+$/.test(url);
  const [meta, setMeta] = useState<AttachmentMeta | null>(null);
  useEffect(() => {
    if (!ours) return;
    let live = true;
    void fetchMeta(url).then((found) => {
      if (live) setMeta(found);
    });
    return () => {
      live = false;
    };
  }, [url, ours]);
  return meta;
}

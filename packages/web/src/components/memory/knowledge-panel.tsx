import { useQueryClient } from '@tanstack/react-query';
import clsx from 'clsx';
import { FileText, FileUp, RotateCcw, Trash2, TriangleAlert, X } from 'lucide-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatRelativeTime } from '../../lib/format';
import {
  documentFileUrl,
  documentProgress,
  documentsKey,
  KNOWLEDGE_ACCEPT,
  KNOWLEDGE_KINDS_SENTENCE,
  KNOWLEDGE_LIMITS,
  type KnowledgeDocument,
  knowledgeFileProblem,
  memoryErrorMessage,
  uploadDocument,
  useDeleteDocument,
  useDocuments,
} from '../../lib/memory';
import { formatBytes } from '../../lib/progress';
import { useFileDrop } from '../chat/file-drop';
import { ConfirmDialog } from '../confirm-dialog';
import { ErrorPanel } from '../error-panel';
import { ProgressBar } from '../progress-bar';
import { Skeleton } from '../skeleton';
import { StatusBadge, type Tone } from '../status-badge';

interface Upload {
  key: string;
  file: File;
  /** 0–1 while sending. */
  progress: number;
  error: string | null;
}

/**
 * The files an avatar has read: drop or pick files (each uploaded with its progress, refused
 * ones with the reason), then each document's indexing (polled while it runs), its errors, and
 * delete. What it reads is recalled with the file's name and page in its replies.
 */
export function KnowledgePanel({
  avatarId,
  avatarName,
  readOnly,
}: {
  avatarId: string;
  avatarName: string;
  readOnly: boolean;
}) {
  const documents = useDocuments(avatarId);
  const remove = useDeleteDocument(avatarId);
  const queryClient = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [deleting, setDeleting] = useState<KnowledgeDocument | null>(null);
  const zone = useRef<HTMLDivElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const controllers = useRef(new Map<string, AbortController>());

  const start = useCallback(
    (upload: Upload) => {
      const controller = new AbortController();
      controllers.current.set(upload.key, controller);
      const patch = (change: Partial<Upload>) =>
        setUploads((list) => list.map((u) => (u.key === upload.key ? { ...u, ...change } : u)));
      uploadDocument(avatarId, upload.file, {
        signal: controller.signal,
        onProgress: (progress) => patch({ progress }),
      }).then(
        (added) => {
          controllers.current.delete(upload.key);
          setUploads((list) => list.filter((u) => u.key !== upload.key));
          queryClient.setQueryData<KnowledgeDocument[]>(documentsKey(avatarId), (docs) => [
            ...added,
            ...(docs ?? []).filter((d) => !added.some((a) => a.id === d.id)),
          ]);
          void queryClient.invalidateQueries({ queryKey: documentsKey(avatarId) });
        },
        (error: unknown) => {
          controllers.current.delete(upload.key);
          if (error instanceof DOMException && error.name === 'AbortError') return;
          patch({ error: memoryErrorMessage(error), progress: 0 });
        },
      );
    },
    [avatarId, queryClient],
  );

  const add = useCallback(
    (files: File[]) => {
      if (readOnly) return;
      const fresh = files.map((file) => ({
        key: `${file.name}-${file.size}-${Math.random().toString(36).slice(2)}`,
        file,
        progress: 0,
        error: knowledgeFileProblem(file),
      }));
      setUploads((list) => [...list, ...fresh]);
      for (const upload of fresh) if (!upload.error) start(upload);
    },
    [readOnly, start],
  );

  useEffect(() => {
    const running = controllers.current;
    return () => {
      for (const controller of running.values()) controller.abort();
    };
  }, []);

  const dragging = useFileDrop(zone, add, !readOnly);
  const docs = documents.data ?? [];
  const full = docs.length >= KNOWLEDGE_LIMITS.documentsPerAvatar;

  return (
    <div className="flex flex-col gap-4">
      {readOnly ? null : (
        <div
          ref={zone}
          className={clsx(
            'flex flex-col items-center gap-3 rounded-xl border-2 border-dashed px-6 py-8 text-center transition-colors',
            dragging ? 'border-accent bg-accent-soft' : 'border-line-strong bg-surface',
          )}
        >
          <span className="flex size-11 items-center justify-center rounded-full bg-accent-soft text-accent-soft-ink">
            <FileUp className="size-5" aria-hidden="true" />
          </span>
          <div>
            <p className="font-medium text-ink">
              {dragging ? 'Drop to add to what it knows' : `Drop files here for ${avatarName} to read`}
            </p>
            <p className="mt-1 text-sm text-ink-muted">{KNOWLEDGE_KINDS_SENTENCE}.</p>
          </div>
          <button
            type="button"
            className="btn-secondary"
            disabled={full}
            onClick={() => picker.current?.click()}
          >
            Choose files
          </button>
          {full ? (
            <p className="text-sm text-warn">
              {avatarName} has {KNOWLEDGE_LIMITS.documentsPerAvatar} documents, the most it can keep. Delete
              one to add another.
            </p>
          ) : null}
          <input
            ref={picker}
            type="file"
            multiple
            accept={KNOWLEDGE_ACCEPT}
            className="sr-only"
            tabIndex={-1}
            aria-hidden="true"
            onChange={(event) => {
              add([...(event.target.files ?? [])]);
              event.target.value = '';
            }}
          />
        </div>
      )}

      {uploads.length > 0 ? (
        <ul className="card divide-y divide-line" aria-label="Uploads">
          {uploads.map((upload) => (
            <li key={upload.key} className="flex items-start gap-3 px-4 py-3 sm:px-5">
              <FileText className="mt-0.5 size-5 shrink-0 text-ink-subtle" aria-hidden="true" />
              <div className="min-w-0 flex-1">
                <p className="truncate text-sm font-medium text-ink" title={upload.file.name}>
                  {upload.file.name}
                </p>
                {upload.error ? (
                  <p className="mt-0.5 text-[13px] text-bad" role="alert">
                    {upload.error}
                  </p>
                ) : (
                  <div className="mt-1.5 flex items-center gap-3">
                    <ProgressBar
                      percent={Math.round(upload.progress * 100)}
                      label={`Uploading ${upload.file.name}`}
                      className="flex-1"
                    />
                    <span className="w-20 shrink-0 text-right text-xs text-ink-muted tabular-nums">
                      {Math.round(upload.progress * 100)}% of {formatBytes(upload.file.size)}
                    </span>
                  </div>
                )}
              </div>
              {upload.error && !knowledgeFileProblem(upload.file) ? (
                <button
                  type="button"
                  className="icon-btn size-8"
                  aria-label={`Try ${upload.file.name} again`}
                  title="Try again"
                  onClick={() => {
                    const again = { ...upload, error: null, progress: 0 };
                    setUploads((list) => list.map((u) => (u.key === upload.key ? again : u)));
                    start(again);
                  }}
                >
                  <RotateCcw className="size-4" aria-hidden="true" />
                </button>
              ) : null}
              <button
                type="button"
                className="icon-btn size-8"
                aria-label={upload.error ? `Dismiss ${upload.file.name}` : `Cancel ${upload.file.name}`}
                title={upload.error ? 'Dismiss' : 'Cancel upload'}
                onClick={() => {
                  controllers.current.get(upload.key)?.abort();
                  setUploads((list) => list.filter((u) => u.key !== upload.key));
                }}
              >
                <X className="size-4" aria-hidden="true" />
              </button>
            </li>
          ))}
        </ul>
      ) : null}

      {documents.isError && !documents.data ? (
        <ErrorPanel error={documents.error} onRetry={() => documents.refetch()} />
      ) : !documents.data ? (
        <div className="card divide-y divide-line" aria-busy="true">
          {[0, 1].map((i) => (
            <div key={i} className="flex items-center gap-3 px-5 py-4">
              <Skeleton className="size-5" />
              <div className="flex-1">
                <Skeleton className="h-4 w-1/2" />
                <Skeleton className="mt-2 h-3 w-32" />
              </div>
            </div>
          ))}
          <span className="sr-only">Loading documents…</span>
        </div>
      ) : docs.length === 0 ? (
        uploads.length > 0 ? null : (
          <p className="px-1 text-sm text-ink-muted">
            {readOnly
              ? `${avatarName} hasn’t been given any documents.`
              : `No documents yet. What ${avatarName} reads here it can quote in its replies, with the file and page.`}
          </p>
        )
      ) : (
        <section aria-labelledby="knowledge-list">
          <h3
            id="knowledge-list"
            className="mb-2 flex items-baseline gap-2 px-1 text-sm font-semibold text-ink"
          >
            Documents
            <span className="font-normal text-ink-subtle tabular-nums">{docs.length}</span>
          </h3>
          <ul className="card divide-y divide-line">
            {docs.map((doc) => (
              <DocumentRow
                key={doc.id}
                avatarId={avatarId}
                doc={doc}
                readOnly={readOnly}
                onDelete={() => {
                  remove.reset();
                  setDeleting(doc);
                }}
              />
            ))}
          </ul>
        </section>
      )}

      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => (open ? undefined : setDeleting(null))}
        title={`Delete “${deleting?.name ?? ''}”?`}
        description={`${avatarName} forgets what it read in it at once. Replies that quoted it keep their text.`}
        confirmLabel="Delete document"
        pendingLabel="Deleting…"
        pending={remove.isPending}
        error={remove.error ? memoryErrorMessage(remove.error) : null}
        onConfirm={() => {
          if (deleting) remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) });
        }}
      />
    </div>
  );
}

const STATUS: Record<KnowledgeDocument['status'], { tone: Tone; label: string }> = {
  queued: { tone: 'neutral', label: 'Waiting' },
  indexing: { tone: 'warn', label: 'Reading' },
  ready: { tone: 'ok', label: 'Ready' },
  failed: { tone: 'bad', label: 'Failed' },
};

function DocumentRow({
  avatarId,
  doc,
  readOnly,
  onDelete,
}: {
  avatarId: string;
  doc: KnowledgeDocument;
  readOnly: boolean;
  onDelete: () => void;
}) {
  const status = STATUS[doc.status];
  const progress = documentProgress(doc);
  const details = [
    formatBytes(doc.sizeBytes),
    doc.pageCount ? `${doc.pageCount} ${doc.pageCount === 1 ? 'page' : 'pages'}` : null,
    doc.status === 'ready' ? `${doc.chunkCount} ${doc.chunkCount === 1 ? 'passage' : 'passages'}` : null,
    `added ${formatRelativeTime(doc.createdAt)}`,
  ].filter(Boolean);
  return (
    <li className="flex items-start gap-3 px-4 py-3.5 sm:px-5" aria-label={doc.name}>
      <FileText className="mt-0.5 size-5 shrink-0 text-ink-subtle" aria-hidden="true" />
      <div className="min-w-0 flex-1">
        <div className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1">
          <a
            href={documentFileUrl(avatarId, doc.id)}
            target="_blank"
            rel="noreferrer"
            className="min-w-0 truncate text-sm font-medium text-ink hover:underline"
            title={doc.name}
          >
            {doc.name}
          </a>
          <StatusBadge tone={status.tone}>{status.label}</StatusBadge>
        </div>
        <p className="mt-0.5 text-xs text-ink-muted">{details.join(' · ')}</p>
        {doc.status === 'queued' || doc.status === 'indexing' ? (
          <ProgressBar percent={progress} label={`Reading ${doc.name}`} className="mt-2 max-w-sm" />
        ) : null}
        {doc.status === 'failed' ? (
          <p className="mt-1.5 flex items-start gap-1.5 text-[13px] text-bad">
            <TriangleAlert className="mt-0.5 size-3.5 shrink-0" aria-hidden="true" />
            {doc.error?.message ?? 'It couldn’t be read.'} Delete it and try another copy.
          </p>
        ) : doc.truncated ? (
          <p className="mt-1.5 text-[13px] text-warn">
            Very long: only the first part was read (2 million characters).
          </p>
        ) : null}
      </div>
      {readOnly ? null : (
        <button
          type="button"
          className="icon-btn size-8 shrink-0 hover:text-bad"
          aria-label={`Delete ${doc.name}`}
          title="Delete"
          onClick={onDelete}
        >
          <Trash2 className="size-4" aria-hidden="true" />
        </button>
      )}
    </li>
  );
}

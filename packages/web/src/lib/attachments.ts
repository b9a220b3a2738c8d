import { type components, LuminaApiError, LuminaNetworkError } from '@lumina/sdk';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { friendlyMessage } from './api-errors';
import type { MessagePart } from './chat-stream';
import { draftKey } from './message-drafts';
import { formatBytes } from './progress';
import { type UploadOptions, uploadWithProgress } from './upload-with-progress';

export type { UploadOptions };

/**
 * Files sent with a message (docs: attachments contract). Each file is uploaded on its own as soon
 * as it is picked, pasted or dropped (POST /api/attachments); the message then names the uploads
 * by id. The checks here mirror the server's limits so a person hears at once that a file is too
 * big or of a kind Lumina cannot read; the server checks again, from the bytes, and its refusal
 * is shown the same way.
 */

/** What POST /api/attachments answers (`{ attachment }`), as the SDK types it. */
export type Attachment = components['schemas']['Attachment'];

/** Sizes are said in decimal megabytes, as the web app writes them. */
const MB = 1_000_000;

/** The server's limits (ATTACHMENT_LIMITS in packages/server/src/domain/attachment.ts). */
export const ATTACHMENT_LIMITS = {
  imageBytes: 10 * MB,
  documentBytes: 20 * MB,
  perMessage: 10,
} as const;

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);
const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'webp', 'gif']);
const DOCUMENT_EXTENSIONS = new Set(['txt', 'md', 'markdown', 'csv', 'pdf', 'docx']);
const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const DOCUMENT_TYPES = new Set(['application/pdf', DOCX_TYPE]);

/** The file picker's `accept`: pictures and the documents Lumina reads. */
export const ATTACHMENT_ACCEPT = [
  ...IMAGE_TYPES,
  '.txt',
  '.md',
  '.markdown',
  '.csv',
  '.pdf',
  '.docx',
  'text/plain',
  'text/markdown',
  'text/csv',
  ...DOCUMENT_TYPES,
].join(',');

/** The kinds of file a person may attach, in words. */
export const ATTACHMENT_KINDS_SENTENCE =
  'pictures (PNG, JPEG, WebP, GIF) and text, Markdown, CSV, PDF or Word (.docx) files';

const extensionOf = (name: string) => name.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? '';

/** Whether a file looks like a picture or a document by its type and name; null: neither. */
export function attachmentKindOf(file: { name: string; type: string }): Attachment['kind'] | null {
  const type = file.type.toLowerCase();
  const extension = extensionOf(file.name);
  if (IMAGE_TYPES.has(type) || (!type && IMAGE_EXTENSIONS.has(extension))) return 'image';
  if (type.startsWith('image/')) return null;
  if (DOCUMENT_EXTENSIONS.has(extension) || DOCUMENT_TYPES.has(type) || type.startsWith('text/'))
    return 'document';
  return null;
}

/** Why a file cannot be attached before it is even sent (kind and size), or null. */
export function precheckFile(file: { name: string; type: string; size: number }): string | null {
  const kind = attachmentKindOf(file);
  if (!kind) return `Not a supported type. You can attach ${ATTACHMENT_KINDS_SENTENCE}.`;
  const limit = kind === 'image' ? ATTACHMENT_LIMITS.imageBytes : ATTACHMENT_LIMITS.documentBytes;
  if (file.size > limit)
    return `Too big (${formatBytes(file.size)}): ${kind === 'image' ? 'pictures' : 'documents'} can be up to ${limit / MB} MB.`;
  if (file.size === 0) return 'This file is empty.';
  return null;
}

/** "Too big. Pictures may be at most 10 MB.": a headline, then the server's own reason when it gave one. */
function withReason(headline: string, reason: string | undefined, otherwise: string): string {
  const text = reason?.trim();
  if (!text) return `${headline} ${otherwise}`;
  return `${headline} ${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
}

const LIMITS_SENTENCE = `Pictures can be up to ${ATTACHMENT_LIMITS.imageBytes / MB} MB, documents up to ${ATTACHMENT_LIMITS.documentBytes / MB} MB.`;

/** A server refusal of an upload, in words a person understands (the server's reason kept). */
export function uploadErrorMessage(error: unknown): string {
  if (error instanceof LuminaApiError) {
    switch (error.code) {
      case 'attachment_too_large':
        return withReason('Too big.', error.message, LIMITS_SENTENCE);
      case 'attachment_unsupported_type':
        return withReason(
          'Not a supported type.',
          error.message,
          `You can attach ${ATTACHMENT_KINDS_SENTENCE}.`,
        );
      case 'attachment_unreadable':
        return withReason(
          'Could not be read.',
          error.message,
          'The file may be damaged or password-protected.',
        );
      case 'service_busy':
        return 'Not uploaded: the server is busy reading other files. Try again in a moment.';
    }
    if (error.status === 413) return `Too big. ${LIMITS_SENTENCE}`;
  }
  if (error instanceof LuminaNetworkError) return 'Not uploaded: can’t reach the Lumina server.';
  return friendlyMessage(error);
}

/** Worth trying the same upload again: the network or a server fault, not a refusal of the file. */
function retryableUpload(error: unknown): boolean {
  if (error instanceof LuminaApiError) return error.status >= 500 || error.status === 429;
  return !(error instanceof DOMException && error.name === 'AbortError');
}

/**
 * Uploads one file (multipart field `file`) and resolves with the stored attachment. Uses
 * XMLHttpRequest, whose upload events tell the progress (fetch cannot). Rejects with a
 * LuminaApiError (the server's code), a LuminaNetworkError, or an AbortError.
 */
export function uploadAttachment(file: File, options: UploadOptions = {}): Promise<Attachment> {
  return uploadWithProgress(
    '/api/attachments',
    file,
    (body) => (body as { attachment?: Attachment } | undefined)?.attachment,
    options,
  );
}

/**
 * The ids among these that the server no longer has (404). A failed check (offline, a server
 * error) counts as present: the send will say what is wrong.
 */
export async function missingAttachments(ids: readonly string[], baseUrl = ''): Promise<string[]> {
  const answers = await Promise.all(
    ids.map((id) =>
      fetch(`${baseUrl}/api/attachments/${encodeURIComponent(id)}/meta`, { credentials: 'include' }).then(
        (response) => (response.status === 404 ? id : null),
        () => null,
      ),
    ),
  );
  return answers.filter((id): id is string => id !== null);
}

/** Removes an upload no message uses (best effort: the server purges unused uploads anyway). */
export function deleteAttachment(id: string, baseUrl = ''): void {
  void fetch(`${baseUrl}/api/attachments/${encodeURIComponent(id)}`, {
    method: 'DELETE',
    credentials: 'include',
    headers: { 'x-lumina-csrf': '1' },
  }).catch(() => undefined);
}

/** One file in the message box: being uploaded, uploaded, or refused. */
export interface ComposerAttachment {
  /** Stable within the box (the attachment's id once uploaded). */
  key: string;
  name: string;
  sizeBytes: number;
  kind: Attachment['kind'];
  /** A picture to show: the local file while it uploads, the stored one after. */
  previewUrl: string | null;
  status: 'uploading' | 'ready' | 'error';
  /** 0 to 1 while uploading. */
  progress: number;
  attachment?: Attachment;
  /** Why it cannot go with the message. */
  error?: string;
  /** The same upload may work if tried again (network, server fault). */
  retryable?: boolean;
}

type Uploader = (file: File, options: UploadOptions) => Promise<Attachment>;

export interface ComposerAttachments {
  items: readonly ComposerAttachment[];
  /** Adds files (picked, pasted or dropped): each is checked, then uploaded at once. */
  add: (files: readonly File[]) => void;
  /** Takes a file out of the box (cancels its upload, or deletes the unused upload). */
  remove: (key: string) => void;
  retry: (key: string) => void;
  /** Puts stored attachments in the box (the first message, carried from the new-chat page). */
  adopt: (attachments: readonly Attachment[]) => void;
  /** Once the server stored the message: its attachments leave the box (they belong to it now). */
  clearSent: (ids: readonly string[]) => void;
  /** Files left out because the message was full, said once. */
  notice: string | null;
  dismissNotice: () => void;
  uploading: boolean;
  /** The uploaded ones, in order: what Send sends. */
  ready: readonly Attachment[];
  /** A picture is in the box (uploaded or on its way). */
  hasImage: boolean;
}

/** Where the uploaded attachments of a draft are kept (next to its text; see message-drafts.ts). */
export const attachmentDraftKey = (userId: string, conversationId: string) =>
  `${draftKey(userId, conversationId)}#files`;

function readStoredAttachments(key: string | null): Attachment[] {
  if (!key) return [];
  try {
    const stored = JSON.parse(window.localStorage.getItem(key) ?? 'null') as {
      attachments?: unknown;
    } | null;
    const list = Array.isArray(stored?.attachments) ? stored.attachments : [];
    return list.filter(
      (a): a is Attachment =>
        typeof a === 'object' &&
        a !== null &&
        typeof (a as Attachment).id === 'string' &&
        typeof (a as Attachment).url === 'string' &&
        (a as Attachment).url.startsWith('/api/attachments/'),
    );
  } catch {
    return [];
  }
}

function storeAttachments(key: string | null, attachments: readonly Attachment[]) {
  if (!key) return;
  try {
    // The same shape as a text draft (text, savedAt), so old ones are pruned with the others
    // and signing out forgets them too.
    if (attachments.length === 0) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, JSON.stringify({ text: '', savedAt: Date.now(), attachments }));
  } catch {
    // Storage blocked or full: the files stay in the box until the page closes.
  }
}

const readyItem = (attachment: Attachment): ComposerAttachment => ({
  key: attachment.id,
  name: attachment.name,
  sizeBytes: attachment.sizeBytes,
  kind: attachment.kind,
  previewUrl: attachment.kind === 'image' ? attachment.url : null,
  status: 'ready',
  progress: 1,
  attachment,
});

let localKeys = 0;

/**
 * The files in one message box. Uploaded ones are kept with the draft (per person and
 * conversation, in localStorage) so a reload gives them back, as it gives back the text.
 * @example const attachments = useComposerAttachments(user?.id, conversationId);
 */
export function useComposerAttachments(
  userId: string | undefined,
  conversationId: string,
  upload: Uploader = uploadAttachment,
): ComposerAttachments {
  const storageKey = userId ? attachmentDraftKey(userId, conversationId) : null;
  const [items, setItems] = useState<ComposerAttachment[]>(() =>
    readStoredAttachments(storageKey).map(readyItem),
  );
  const [notice, setNotice] = useState<string | null>(null);
  const files = useRef(new Map<string, File>());
  const uploads = useRef(new Map<string, AbortController>());
  const objectUrls = useRef(new Map<string, string>());
  const itemsRef = useRef(items);
  itemsRef.current = items;

  // The uploaded ones are saved with the draft whenever they change.
  const readyList = useMemo(
    () => items.flatMap((item) => (item.status === 'ready' && item.attachment ? [item.attachment] : [])),
    [items],
  );
  const firstSave = useRef(true);
  useEffect(() => {
    // Not on the first render: what is stored is what was read.
    if (firstSave.current) {
      firstSave.current = false;
      return;
    }
    storeAttachments(storageKey, readyList);
  }, [storageKey, readyList]);

  // Files kept with a draft are deleted on the server a day after their upload when no message
  // used them: the restored ones are checked once, and those that are gone leave the box with a
  // word (rather than a send refused for a file the person cannot see is missing).
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per box (its storage key)
  useEffect(() => {
    const restored = itemsRef.current.flatMap((item) =>
      item.status === 'ready' && item.attachment ? [item.attachment.id] : [],
    );
    if (restored.length === 0) return;
    let cancelled = false;
    void missingAttachments(restored).then((gone) => {
      if (cancelled || gone.length === 0) return;
      setItems((current) => current.filter((item) => !gone.includes(item.key)));
      setNotice(
        gone.length === 1
          ? 'A file kept with your draft is no longer on the server (files not sent are kept for a day), so it was taken out.'
          : `${gone.length} files kept with your draft are no longer on the server (files not sent are kept for a day), so they were taken out.`,
      );
    });
    return () => {
      cancelled = true;
    };
  }, [storageKey]);

  // Leaving the page cancels uploads still running and frees the local previews.
  useEffect(() => {
    const running = uploads.current;
    const urls = objectUrls.current;
    return () => {
      for (const controller of running.values()) controller.abort();
      for (const url of urls.values()) URL.revokeObjectURL(url);
    };
  }, []);

  const patch = useCallback((key: string, change: Partial<ComposerAttachment>) => {
    setItems((current) => current.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);

  const start = useCallback(
    (key: string, file: File) => {
      const controller = new AbortController();
      uploads.current.set(key, controller);
      patch(key, { status: 'uploading', progress: 0, error: undefined, retryable: undefined });
      upload(file, { signal: controller.signal, onProgress: (progress) => patch(key, { progress }) }).then(
        (attachment) => {
          uploads.current.delete(key);
          files.current.delete(key);
          setItems((current) =>
            current.map((item) =>
              item.key === key
                ? {
                    ...item,
                    status: 'ready',
                    progress: 1,
                    attachment,
                    name: attachment.name,
                    sizeBytes: attachment.sizeBytes,
                    kind: attachment.kind,
                  }
                : item,
            ),
          );
        },
        (error: unknown) => {
          uploads.current.delete(key);
          if (controller.signal.aborted) return;
          patch(key, {
            status: 'error',
            error: uploadErrorMessage(error),
            retryable: retryableUpload(error),
          });
        },
      );
    },
    [patch, upload],
  );

  const add = useCallback(
    (picked: readonly File[]) => {
      if (picked.length === 0) return;
      const taken = itemsRef.current.filter((item) => item.status !== 'error').length;
      const room = Math.max(0, ATTACHMENT_LIMITS.perMessage - taken);
      const accepted = picked.slice(0, room);
      const left = picked.slice(room);
      setNotice(
        left.length === 0
          ? null
          : `A message can carry ${ATTACHMENT_LIMITS.perMessage} files at most: ${
              left.length === 1 ? `“${left[0]!.name}” was` : `${left.length} files were`
            } left out.`,
      );
      const added: ComposerAttachment[] = [];
      const toUpload: [string, File][] = [];
      for (const file of accepted) {
        const key = `local-${++localKeys}`;
        const kind = attachmentKindOf(file) ?? 'document';
        const problem = precheckFile(file);
        let previewUrl: string | null = null;
        if (kind === 'image' && !problem && typeof URL.createObjectURL === 'function') {
          previewUrl = URL.createObjectURL(file);
          objectUrls.current.set(key, previewUrl);
        }
        added.push({
          key,
          name: file.name || (kind === 'image' ? 'Pasted picture' : 'File'),
          sizeBytes: file.size,
          kind,
          previewUrl,
          status: problem ? 'error' : 'uploading',
          progress: 0,
          ...(problem ? { error: problem, retryable: false } : {}),
        });
        if (!problem) {
          files.current.set(key, file);
          toUpload.push([key, file]);
        }
      }
      setItems((current) => [...current, ...added]);
      for (const [key, file] of toUpload) start(key, file);
    },
    [start],
  );

  const forget = useCallback((key: string) => {
    uploads.current.get(key)?.abort();
    uploads.current.delete(key);
    files.current.delete(key);
    const url = objectUrls.current.get(key);
    if (url) URL.revokeObjectURL(url);
    objectUrls.current.delete(key);
  }, []);

  const remove = useCallback(
    (key: string) => {
      const item = itemsRef.current.find((i) => i.key === key);
      forget(key);
      if (item?.status === 'ready' && item.attachment) deleteAttachment(item.attachment.id);
      setItems((current) => current.filter((i) => i.key !== key));
    },
    [forget],
  );

  const retry = useCallback(
    (key: string) => {
      const file = files.current.get(key);
      if (file) start(key, file);
    },
    [start],
  );

  const adopt = useCallback((attachments: readonly Attachment[]) => {
    setItems((current) => {
      const have = new Set(current.map((item) => item.attachment?.id));
      return [...current, ...attachments.filter((a) => !have.has(a.id)).map(readyItem)];
    });
  }, []);

  const clearSent = useCallback(
    (ids: readonly string[]) => {
      const sent = new Set(ids);
      // Refused files go too: the message they were meant for has gone without them.
      const keep = (item: ComposerAttachment) =>
        !(item.attachment && sent.has(item.attachment.id)) && item.status !== 'error';
      for (const item of itemsRef.current) if (!keep(item)) forget(item.key);
      // Saved at once: the page may close right after (the new-chat page hands over and goes).
      storeAttachments(
        storageKey,
        itemsRef.current.flatMap((item) => (keep(item) && item.attachment ? [item.attachment] : [])),
      );
      setItems((current) => current.filter(keep));
    },
    [forget, storageKey],
  );

  return {
    items,
    add,
    remove,
    retry,
    adopt,
    clearSent,
    notice,
    dismissNotice: useCallback(() => setNotice(null), []),
    uploading: items.some((item) => item.status === 'uploading'),
    ready: readyList,
    hasImage: items.some((item) => item.kind === 'image' && item.status !== 'error'),
  };
}

/**
 * Why Send is off because of the files in the box, or null: still uploading, or a picture for a
 * model that cannot see (its name), as the person reads it next to Send.
 */
export function attachmentSendBlock(
  attachments: Pick<ComposerAttachments, 'uploading' | 'hasImage'> | undefined,
  blindModelName: string | null | undefined,
): string | null {
  if (!attachments) return null;
  if (attachments.hasImage && blindModelName)
    return `${blindModelName} can’t see images — pick a model marked Vision or remove the picture`;
  if (attachments.uploading) return 'Wait for the files to finish uploading';
  return null;
}

/** The files a paste carries, unless it carries text (a paste of text stays a paste of text). */
export function filesOfPaste(data: DataTransfer | null): File[] {
  if (!data) return [];
  if (data.getData('text/plain')) return [];
  return filesOf(data);
}

/** The files of a drop or paste (not text or links being dragged). */
export function filesOf(data: DataTransfer | null): File[] {
  if (!data) return [];
  const fromList = Array.from(data.files ?? []);
  if (fromList.length > 0) return fromList;
  return Array.from(data.items ?? []).flatMap((item) => {
    const file = item.kind === 'file' ? item.getAsFile() : null;
    return file ? [file] : [];
  });
}

/** Whether something dragged over the page is files (not text or a link). */
export function draggingFiles(data: DataTransfer | null): boolean {
  return Boolean(data && Array.from(data.types ?? []).includes('Files'));
}

/**
 * The name of the model that would answer, when it is known and cannot see images; null when
 * it can, or when it is not in the list (the server decides then, and says so if it refuses).
 * @example visionlessModelName('ollama/llama3.2:1b', models) // 'llama3.2:1b'
 */
export function visionlessModelName(
  modelId: string | null | undefined,
  models: readonly { id: string; name: string; capabilities: { vision: boolean } }[] | undefined,
): string | null {
  if (!modelId || !models) return null;
  const model = models.find((m) => m.id === modelId);
  return model && !model.capabilities.vision ? model.name : null;
}

/** The `file` part a message stores for an attachment (shown at once while the send is pending). */
export function fileAttachmentPart(attachment: Attachment): MessagePart {
  return {
    type: 'file',
    url: attachment.url,
    mediaType: attachment.mediaType,
    name: attachment.name,
    sizeBytes: attachment.sizeBytes,
  };
}

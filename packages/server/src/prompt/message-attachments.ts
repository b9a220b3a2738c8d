import type { Message } from '../domain/message.js';
import type { MessagePart } from '../domain/message-parts.js';
import type { ChatImage } from '../providers/types.js';

type FilePart = Extract<MessagePart, { type: 'file' }>;

/**
 * What a file part of the history is sent as (prompt/history-messages.ts):
 * - `image`: the picture itself, to a model that can see;
 * - `document`: its extracted text, appended to the message as `<document name="…">…</document>`;
 * - `note`: a short line in the message instead (a picture the model cannot or need not see, a
 *   file that is gone).
 */
export type AttachmentContent =
  | { kind: 'image'; image: ChatImage }
  | { kind: 'document'; text: string }
  | { kind: 'note'; text: string };

/** Each file part's content, by its `url` (only file parts whose message is in the context). */
export type AttachmentContents = ReadonlyMap<string, AttachmentContent>;

/** What the database holds for an attachment a file part names (the reader gives what is asked). */
export interface LoadedAttachment {
  id: string;
  kind: 'image' | 'document';
  mediaType: string;
  name: string | null;
  /** Images chosen to be sent: their bytes. Null otherwise. */
  bytes: Uint8Array | null;
  /** Documents: the extracted text. Null for images. */
  text: string | null;
}

/**
 * Pictures are sent for the most recent ones only: each costs hundreds to ~1,600 tokens, many
 * vendors cap pictures per request (Anthropic 100, several local models 1), and older pictures
 * rarely matter to the next reply. The rest become notes.
 */
export const MAX_IMAGES_IN_CONTEXT = 8;

/**
 * The tokens a picture is counted as in the budget: vendors charge from 258 (Gemini) and ~765
 * (OpenAI, 1024 px, high detail) to ~1,600 (Claude, 1568 px); local vision models take 576–2,900.
 * A fixed estimate keeps trimming right without decoding pictures per turn.
 */
export const IMAGE_TOKENS = 1000;

const IMAGE_TYPES = /^image\//;

/** Whether a message has file parts (the only case in which a turn reads attachments). */
export const hasFileParts = (message: Pick<Message, 'parts'>): boolean =>
  message.parts.some((part) => part.type === 'file');

/** The file parts of a branch, oldest first, with the message they belong to. */
export function filePartsOf(branch: readonly Pick<Message, 'parts' | 'role'>[]) {
  const found: { part: FilePart; role: Message['role'] }[] = [];
  for (const message of branch)
    for (const part of message.parts) if (part.type === 'file') found.push({ part, role: message.role });
  return found;
}

/** Whether a file part is a picture (by its stored type). */
export const isImagePart = (part: FilePart): boolean => IMAGE_TYPES.test(part.mediaType);

/**
 * The pictures of a branch whose bytes a turn needs: the {@link MAX_IMAGES_IN_CONTEXT} most
 * recent pictures of user messages, when the model can see (none otherwise).
 * @example imagesToSend(branch, true) // Set { '/api/attachments/…' }
 */
export function imagesToSend(
  branch: readonly Pick<Message, 'parts' | 'role'>[],
  canSee: boolean,
): Set<string> {
  const chosen = new Set<string>();
  if (!canSee) return chosen;
  const parts = filePartsOf(branch);
  for (let index = parts.length - 1; index >= 0 && chosen.size < MAX_IMAGES_IN_CONTEXT; index--) {
    const { part, role } = parts[index]!;
    if (role === 'user' && isImagePart(part)) chosen.add(part.url);
  }
  return chosen;
}

/** Why a picture is not sent, for its note. */
export type UnseenReason = 'model' | 'older' | 'reply' | 'missing';

/**
 * What each file part of the branch is sent as, from what was loaded (by attachment id) and the
 * pictures chosen by {@link imagesToSend}.
 * @example attachmentContents(branch, loaded, chosen, idOfUrl, true)
 */
export function attachmentContents(
  branch: readonly Pick<Message, 'parts' | 'role'>[],
  loaded: ReadonlyMap<string, LoadedAttachment>,
  chosen: ReadonlySet<string>,
  idOfUrl: (url: string) => string | null,
  canSee: boolean,
): Map<string, AttachmentContent> {
  const contents = new Map<string, AttachmentContent>();
  for (const { part, role } of filePartsOf(branch)) {
    if (contents.has(part.url)) continue;
    const id = idOfUrl(part.url);
    const row = id ? loaded.get(id) : undefined;
    const name = part.name ?? row?.name ?? 'file';
    if (isImagePart(part)) {
      if (chosen.has(part.url) && row?.bytes)
        contents.set(part.url, { kind: 'image', image: { mediaType: row.mediaType, data: row.bytes } });
      else
        contents.set(part.url, {
          kind: 'note',
          text: imageNote(name, unseenReason(Boolean(id) && !chosen.has(part.url), role, canSee)),
        });
    } else if (row?.text !== null && row?.text !== undefined) {
      contents.set(part.url, { kind: 'document', text: documentBlock(name, row.text) });
    } else {
      contents.set(part.url, {
        kind: 'note',
        text: `[Attached file "${name}" (${part.mediaType}) is not available]`,
      });
    }
  }
  return contents;
}

function unseenReason(present: boolean, role: Message['role'], canSee: boolean): UnseenReason {
  if (!present) return 'missing';
  if (!canSee) return 'model';
  return role === 'user' ? 'older' : 'reply';
}

/** The short line a picture is sent as when the model does not get it. */
export function imageNote(name: string, reason: UnseenReason): string {
  const why =
    reason === 'model'
      ? 'this model cannot see pictures'
      : reason === 'older'
        ? `only the ${MAX_IMAGES_IN_CONTEXT} most recent pictures are shown`
        : reason === 'reply'
          ? 'pictures are sent from the person’s messages only'
          : 'it is no longer available';
  return `[Picture "${name}" attached here; not shown: ${why}]`;
}

/**
 * A document's text as the model reads it: in a `document` element named after the file, so the
 * model can tell it from what the person wrote (quotes in the name are escaped).
 * @example documentBlock('notes.md', '# Plan') // '<document name="notes.md">\n# Plan\n</document>'
 */
export function documentBlock(name: string, text: string): string {
  const safe = name.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  return `<document name="${safe}">\n${text}\n</document>`;
}

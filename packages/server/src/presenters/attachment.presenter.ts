import { z } from 'zod';
import {
  ATTACHMENT_KINDS,
  type AttachmentDto,
  type AttachmentRecord,
  attachmentKindOf,
  attachmentUrl,
} from '../domain/attachment.js';

export const attachmentDto = z
  .object({
    id: z.uuid(),
    url: z.string().describe('`/api/attachments/<id>`: the bytes; what a message’s `file` part stores'),
    name: z.string().describe('The uploaded file’s name, sanitized (at most 255 characters)'),
    mediaType: z.string().describe('Detected from the bytes, never taken from the client'),
    sizeBytes: z.int().min(0).describe('Bytes stored (a picture after normalization)'),
    kind: z.enum(ATTACHMENT_KINDS),
    width: z.int().nullable().describe('Pixels of the stored picture; null for documents'),
    height: z.int().nullable(),
    textChars: z.int().nullable().describe('Characters of text read from a document; null for pictures'),
    truncated: z.boolean().describe('The text was cut at the per-file limit (or the PDF at its page limit)'),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Attachment' });

export function toAttachmentDto(attachment: AttachmentRecord): AttachmentDto {
  const kind = attachmentKindOf(attachment.mediaType);
  return {
    id: attachment.id,
    url: attachmentUrl(attachment.id),
    name: attachment.name,
    mediaType: attachment.mediaType,
    sizeBytes: attachment.sizeBytes,
    kind,
    width: attachment.width,
    height: attachment.height,
    textChars: kind === 'document' ? (attachment.textChars ?? 0) : null,
    truncated: attachment.truncated,
    createdAt: attachment.createdAt.toISOString(),
  };
}

// The zod schema and the domain type describe one shape: a drift fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameShape: Same<z.infer<typeof attachmentDto>, AttachmentDto> = true;
void _sameShape;

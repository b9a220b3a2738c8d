import { ATTACHMENT_LIMITS, attachmentUrl } from '../../domain/attachment.js';
import { AppError, invalidRequest } from '../../errors.js';
import type { MessageAttachmentRepository } from '../../repositories/message-attachment.repository.js';
import type { FilePart } from './turn-planner.js';

/**
 * The file parts for the attachments a message names, in the order given: each must be the
 * user's (404 `attachment_not_found` otherwise), at most `maxPerMessage` of them and
 * `maxTextCharsPerMessage` characters of document text together (422 `attachment_limit`).
 * Reads nothing when none are named. Used by a send, an edit, a compare and its estimate.
 * @example await attachmentParts(repositories.attachments, userId, ['0190…'])
 */
export async function attachmentParts(
  attachments: Pick<MessageAttachmentRepository, 'facts'>,
  userId: string,
  ids: readonly string[],
): Promise<FilePart[]> {
  if (ids.length === 0) return [];
  const limit = ATTACHMENT_LIMITS.maxPerMessage;
  if (ids.length > limit)
    throw new AppError(422, 'attachment_limit', `A message can carry at most ${limit} attachments`, {
      maxPerMessage: limit,
    });
  if (new Set(ids).size !== ids.length) throw invalidRequest('An attachment is named twice');
  const found = new Map((await attachments.facts(userId, ids)).map((f) => [f.id, f]));
  const missing = ids.find((id) => !found.has(id));
  if (missing)
    throw new AppError(404, 'attachment_not_found', 'Attachment not found', { attachmentId: missing });
  const chars = [...found.values()].reduce((sum, file) => sum + file.textChars, 0);
  const maxChars = ATTACHMENT_LIMITS.maxTextCharsPerMessage;
  if (chars > maxChars)
    throw new AppError(
      422,
      'attachment_limit',
      `The attached documents hold ${chars.toLocaleString('en')} characters of text; a message can carry ${maxChars.toLocaleString('en')}`,
      { textChars: chars, maxTextCharsPerMessage: maxChars },
    );
  return ids.map((id) => {
    const file = found.get(id)!;
    return {
      type: 'file',
      url: attachmentUrl(id),
      mediaType: file.mediaType,
      name: file.name ?? (file.kind === 'image' ? 'picture' : 'document'),
      sizeBytes: file.sizeBytes,
    };
  });
}

import { LuminaApiError, type LuminaClient, type paths } from '@lumina/sdk';
import { friendlyMessage } from './api-errors';

/** One conversation imported, or one file (or conversation in it) that could not be. */
export type ConversationImportResult =
  paths['/api/conversations/import']['post']['responses'][201]['content']['application/json']['results'][number];

/** Lumina JSON, SillyTavern chat JSONL and ChatGPT's conversations.json are recognised by content. */
export const CONVERSATION_FILE_TYPES = '.json,.jsonl,application/json';

/**
 * Sends conversation files to POST /api/conversations/import (multipart, several `file` fields):
 * one result per conversation, or per file that could not be read.
 */
export async function importConversationFiles(
  client: LuminaClient,
  files: readonly File[],
): Promise<ConversationImportResult[]> {
  const form = new FormData();
  for (const file of files) form.append('file', file, file.name);
  try {
    // openapi-fetch passes FormData as it is; the browser sets the multipart boundary.
    const { data } = await client.POST('/api/conversations/import', { body: form as never });
    return data?.results ?? [];
  } catch (error) {
    const code = error instanceof LuminaApiError ? error.code : 'network_error';
    return files.map((file) => ({
      file: file.name,
      ok: false,
      error: { code, message: friendlyMessage(error) },
    }));
  }
}

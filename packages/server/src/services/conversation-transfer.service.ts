import { Readable } from 'node:stream';
import { conversationFileErrors } from '../conversation-formats/conversation-format-errors.js';
import { type ExportedAttachments, filePartsOf } from '../conversation-formats/exported-attachment.js';
import {
  type ConversationFileFormat,
  type ImportedAvatar,
  type ImportedConversation,
  MAX_CONVERSATION_FILE_BYTES,
} from '../conversation-formats/imported-conversation.js';
import { toLuminaJson } from '../conversation-formats/lumina-json.js';
import { toMarkdown } from '../conversation-formats/markdown-export.js';
import { planConversationImport } from '../conversation-formats/plan-import.js';
import { readConversationFile } from '../conversation-formats/read-conversation-file.js';
import {
  type SillyTavernExportTurn,
  toSillyTavernJsonl,
} from '../conversation-formats/sillytavern-export.js';
import type { Database } from '../db/database.js';
import type { AvatarRow, MessageRow } from '../db/schema/index.js';
import { attachmentIdOfUrl } from '../domain/attachment.js';
import { AppError, notFound } from '../errors.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createConversationTransferRepository } from '../repositories/conversation-transfer.repository.js';
import { createFileRepository } from '../repositories/file.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createMessageAttachmentRepository } from '../repositories/message-attachment.repository.js';
import { createParticipantRepository } from '../repositories/participant.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { createAvatarService } from './avatar.service.js';
import type { ConversationView } from './conversation.service.js';
import { pointFilePartsAt, storeImportedAttachments } from './conversation-attachment-import.js';

export type ConversationExportFormat = 'json' | 'md' | 'sillytavern';

/** The file name extension of each export format. */
const EXTENSIONS: Record<ConversationExportFormat, string> = { json: 'json', md: 'md', sillytavern: 'jsonl' };

export interface ConversationImportResult {
  file: string;
  ok: boolean;
  format?: ConversationFileFormat;
  conversation?: ConversationView;
  title?: string;
  messages?: number;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

/** A file as the route received it; `tooLarge` when the upload was cut off at the size limit. */
export interface UploadedConversationFile {
  fileName: string;
  bytes: Buffer;
  tooLarge?: boolean;
}

const TITLE_LIMIT = 200;
const TAG_LIMIT = 20;

/**
 * Export of a conversation (Lumina JSON: the whole tree, losslessly; Markdown: the visible branch;
 * SillyTavern JSONL: the visible branch with the other replies as swipes)
 * and import of conversation files (Lumina JSON, SillyTavern chats, ChatGPT exports). Every
 * conversation is read and checked completely before anything is written, then stored in one
 * transaction together with its avatar when one has to be created, so a bad file never leaves half
 * a conversation behind.
 */
export function createConversationTransferService(deps: {
  db: Database;
  /** Conversations were imported: their messages need vectors for chat history recall (app.ts queues a full embedding run). */
  onImported?: (userId: string) => Promise<void> | void;
}) {
  const conversations = createConversationRepository(deps.db);
  const messages = createMessageRepository(deps.db);
  const avatars = createAvatarRepository(deps.db);
  const users = createUserRepository(deps.db);
  const participants = createParticipantRepository(deps.db);
  const attachmentRows = createMessageAttachmentRepository(deps.db);

  /** The user's attachments the messages' file parts name, whole, by url (none read without file parts). */
  async function attachmentsOf(
    userId: string,
    rows: readonly { parts?: MessageRow['parts'] | null | undefined }[],
  ): Promise<ExportedAttachments> {
    const ids = new Set<string>();
    for (const row of rows)
      for (const part of filePartsOf(row.parts)) {
        const id = attachmentIdOfUrl(part.url);
        if (id) ids.add(id);
      }
    return attachmentRows.forExport(userId, [...ids]);
  }

  /**
   * A SillyTavern chat (JSON lines) of the visible branch, written as it is read: the branch
   * comes from the one read of the conversation every branch view makes, and the replies beside
   * a branch message (its swipes) are read only where the tree forks, one fork at a time, as
   * their line is written. The file is never held whole.
   */
  async function exportSillyTavern(
    userId: string,
    conversation: { id: string; title: string; activeLeafId: string | null; createdAt: Date },
    avatarName: string,
  ): Promise<Readable> {
    const [user, members, branch] = await Promise.all([
      users.findById(userId),
      participants.listFor([conversation.id]),
      conversation.activeLeafId
        ? messages.branchWithForks(userId, conversation.activeLeafId)
        : { path: [], forks: new Map<string | null, string[]>() },
    ]);
    const swipesOf = async (message: MessageRow): Promise<MessageRow[] | undefined> =>
      message.role === 'assistant' && branch.forks.has(message.parentId)
        ? messages.children(conversation.id, message.parentId)
        : undefined;
    // The first line's swipes are read now: an imported chat's header may be on any of them.
    const [first, ...rest] = branch.path;
    const firstSwipes = first ? await swipesOf(first) : undefined;
    // Attachments are read for the lines that have them, as those lines are written.
    const withAttachments = async (turn: SillyTavernExportTurn): Promise<SillyTavernExportTurn> => {
      const rows = [turn.shown, ...(turn.swipes ?? [])];
      if (!rows.some((row) => filePartsOf(row.parts).length > 0)) return turn;
      return { ...turn, attachments: await attachmentsOf(userId, rows) };
    };
    async function* turns(): AsyncGenerator<SillyTavernExportTurn> {
      if (first) yield withAttachments({ shown: first, swipes: firstSwipes });
      for (const message of rest) yield withAttachments({ shown: message, swipes: await swipesOf(message) });
    }
    const lines = toSillyTavernJsonl(
      {
        userName: user?.preferredName || user?.name || 'You',
        characterName: avatarName,
        speakers: new Map(members.flatMap((p) => (p.avatarId ? [[p.avatarId, p.name]] : []))),
        createdAt: conversation.createdAt,
        chatMetadata: importedChatMetadata(firstSwipes ?? (first ? [first] : [])),
      },
      turns(),
    );
    return Readable.from(lines, { objectMode: false });
  }

  /** The avatar a conversation goes to: the one named, the one it came from, one of that name, or a new one. */
  async function resolveAvatar(db: Database, userId: string, conversation: ImportedConversation) {
    const wanted = conversation.avatar;
    if (wanted.id && /^[0-9a-f-]{36}$/i.test(wanted.id)) {
      const same = await createAvatarRepository(db).findVisible(userId, wanted.id);
      if (same) return same.id;
    }
    const named = await createConversationTransferRepository(db).findOwnedAvatarByName(userId, wanted.name);
    if (named) return named.id;
    const created = await createAvatarService({ db }).create(userId, {
      ...standInAvatar(wanted),
      source: `import:${conversation.format}`,
    });
    return created.id;
  }

  async function importConversation(
    userId: string,
    conversation: ImportedConversation,
    avatarId: string | undefined,
  ): Promise<ConversationView> {
    const plan = planConversationImport(conversation);
    return deps.db.transaction(async (tx) => {
      const chosen = avatarId ?? (await resolveAvatar(tx, userId, conversation));
      // Attachments the file carries become the importer's, stored with the conversation.
      const stored = await storeImportedAttachments(
        createFileRepository(tx),
        userId,
        conversation.attachments ?? [],
      );
      const created = await createConversationTransferRepository(tx).insertConversationTree(
        {
          ownerId: userId,
          avatarId: chosen,
          title: conversation.title.trim().slice(0, TITLE_LIMIT),
          titleSource: conversation.titleSource ?? 'user',
          tags: [...new Set(conversation.tags ?? [])].slice(0, TAG_LIMIT),
          pinned: conversation.pinned ?? false,
          archived: conversation.archived ?? false,
          model: conversation.model ?? null,
          ...(conversation.prompt ? { prompt: conversation.prompt } : {}),
          ...(conversation.generation ? { generation: conversation.generation } : {}),
          lastMessageAt: plan.lastMessageAt,
          createdAt: conversation.createdAt,
        },
        pointFilePartsAt(plan.messages, stored),
        plan.activeLeafId,
      );
      return { ...created, participants: await createParticipantRepository(tx).listFor([created.id]) };
    });
  }

  async function importFile(
    userId: string,
    file: UploadedConversationFile,
    avatarId: string | undefined,
  ): Promise<ConversationImportResult[]> {
    const failed = (err: AppError, title?: string): ConversationImportResult => ({
      file: file.fileName,
      ok: false,
      ...(title ? { title } : {}),
      error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
    });
    try {
      if (file.tooLarge) throw conversationFileErrors.tooLarge(MAX_CONVERSATION_FILE_BYTES);
      const { format, conversations: entries } = readConversationFile(file.bytes, file.fileName);
      const results: ConversationImportResult[] = [];
      for (const entry of entries) {
        if (!entry.ok) {
          results.push({ ...failed(entry.error, entry.title), format });
          continue;
        }
        try {
          const conversation = await importConversation(userId, entry.conversation, avatarId);
          results.push({
            file: file.fileName,
            ok: true,
            format,
            conversation,
            title: conversation.title,
            messages: conversation.messageCount,
          });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          results.push({ ...failed(err, entry.conversation.title), format });
        }
      }
      return results;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return [failed(err)];
    }
  }

  /** Fails with 404 unless the user may attach conversations to this avatar. */
  async function checkAvatar(userId: string, avatarId: string): Promise<void> {
    if (!(await avatars.findVisible(userId, avatarId))) throw notFound('avatar');
  }

  return {
    /** Imports each file; a file holding several conversations gives one result per conversation. */
    async importFiles(
      userId: string,
      files: UploadedConversationFile[],
      options: { avatarId?: string | undefined } = {},
    ): Promise<ConversationImportResult[]> {
      if (options.avatarId) await checkAvatar(userId, options.avatarId);
      const results: ConversationImportResult[] = [];
      for (const file of files) results.push(...(await importFile(userId, file, options.avatarId)));
      if (results.some((result) => result.ok)) await deps.onImported?.(userId);
      return results;
    },

    async export(
      userId: string,
      id: string,
      format: ConversationExportFormat,
    ): Promise<{ body: string | Readable; contentType: string; fileName: string }> {
      const conversation = await conversations.findOwned(userId, id);
      if (!conversation) throw notFound('conversation');
      // An incognito conversation is not saved: a file of it would be exactly that.
      if (conversation.incognito) {
        throw new AppError(409, 'incognito_not_exportable', 'An incognito conversation cannot be exported');
      }
      const avatar = await avatars.findVisible(userId, conversation.avatarId);
      const fileName = `${safeFileName(conversation.title)}.${EXTENSIONS[format]}`;
      if (format === 'sillytavern') {
        return {
          body: await exportSillyTavern(userId, conversation, avatar?.name ?? 'Avatar'),
          contentType: 'application/jsonl; charset=utf-8',
          fileName,
        };
      }
      if (format === 'json') {
        const tree = await messages.tree(conversation.id);
        const attachments = await attachmentsOf(userId, tree);
        const file = toLuminaJson({
          conversation,
          avatar: avatar ? describeAvatar(avatar) : { id: conversation.avatarId, name: 'Avatar' },
          messages: tree,
          ...(attachments.size > 0 ? { attachments: attachments.values() } : {}),
        });
        return {
          body: `${JSON.stringify(file, null, 2)}\n`,
          contentType: 'application/json; charset=utf-8',
          fileName,
        };
      }
      const [branch, user] = await Promise.all([
        conversation.activeLeafId ? messages.branch(userId, conversation.activeLeafId) : [],
        users.findById(userId),
      ]);
      const body = toMarkdown({
        title: conversation.title,
        avatarName: avatar?.name ?? 'Avatar',
        userName: user?.preferredName || user?.name || 'You',
        messages: branch,
        attachments: await attachmentsOf(userId, branch),
      });
      return { body, contentType: 'text/markdown; charset=utf-8', fileName };
    },
  };
}

export type ConversationTransferService = ReturnType<typeof createConversationTransferService>;

/** What a Lumina JSON file carries about the avatar: enough to find it again or to recreate it. */
function describeAvatar(avatar: AvatarRow): ImportedAvatar {
  return {
    id: avatar.id,
    name: avatar.name,
    nickname: avatar.nickname,
    description: avatar.description,
    persona: avatar.persona,
    traits: avatar.traits,
    backstory: avatar.backstory,
    scenario: avatar.scenario,
    greeting: avatar.greeting,
    alternateGreetings: avatar.alternateGreetings,
    exampleDialogue: avatar.exampleDialogue,
    tags: avatar.tags,
  };
}

/**
 * The `chat_metadata` of the SillyTavern chat a conversation was imported from (World Info, the
 * author's note…), which the importer kept on the first line's first message; else undefined.
 */
function importedChatMetadata(firstLine: MessageRow[]): Record<string, unknown> | undefined {
  for (const message of firstLine) {
    const imported = message.metadata.importedConversation as
      | { format?: unknown; header?: { chat_metadata?: unknown } }
      | undefined;
    const metadata = imported?.format === 'sillytavern-jsonl' ? imported.header?.chat_metadata : undefined;
    if (metadata && typeof metadata === 'object' && !Array.isArray(metadata))
      return metadata as Record<string, unknown>;
  }
  return undefined;
}

/** The fields of a file's avatar that a new avatar takes (never its id). */
function standInAvatar(avatar: ImportedAvatar) {
  const { id: _id, ...fields } = avatar;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return { ...defined, name: avatar.name.trim().slice(0, 100) || 'Imported avatar' };
}

/** A file name from a title: letters, digits, spaces, dots, dashes and underscores only. */
export function safeFileName(title: string): string {
  return (
    title
      .normalize('NFC')
      .replace(/[^\p{L}\p{N} ._-]+/gu, ' ')
      .replace(/\s+/g, ' ')
      .replace(/^[ .]+|[ .]+$/g, '')
      .slice(0, 80)
      .trim() || 'conversation'
  );
}

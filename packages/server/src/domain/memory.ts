/**
 * Memory and knowledge (issue 13): what an avatar remembers about the person it talks with, the
 * past messages it can recall, and the documents it has read. Plain types, no database.
 *
 * Scope: a memory belongs to one user. `avatarId` null means "shared": every avatar of the user
 * whose memory policy is `shared` sees it; an avatar with a `private` policy sees only the
 * memories with its own id. Extraction in a conversation writes with the avatar's policy.
 */

export const MEMORY_KINDS = ['fact', 'preference', 'person', 'event', 'profile'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];

/** How a memory came to be. */
export const MEMORY_ORIGINS = ['extracted', 'manual', 'command', 'imported'] as const;
export type MemoryOrigin = (typeof MEMORY_ORIGINS)[number];

export const MEMORY_LIMITS = {
  /** One self-contained sentence. */
  contentChars: 500,
  /** Memories a user may keep (current and superseded together). */
  itemsPerUser: 200_000,
  /** Items recall returns at most (`k`). */
  recallMax: 50,
  /** Default `k` of the recall endpoint and of a chat turn. */
  recallDefault: 8,
  /** Tokens the memory section of a prompt may take at most. */
  promptTokens: 1_200,
} as const;

/** One thing remembered: a self-contained sentence with where it came from and when it held. */
export interface MemoryItem {
  id: string;
  ownerId: string;
  /** The one avatar it belongs to, or null: shared with the user's avatars whose policy is `shared`. */
  avatarId: string | null;
  kind: MemoryKind;
  content: string;
  /** 0–1: how much it matters to the person (a name or an allergy more than a passing mood). */
  importance: number;
  /** 0–1: how sure the extraction was (1 for what the person wrote by hand or asked to remember). */
  confidence: number;
  origin: MemoryOrigin;
  /** The messages it was taken from (empty for one written by hand). */
  sourceMessageIds: string[];
  sourceConversationId: string | null;
  /** When it started to hold. */
  validFrom: Date;
  /** When it stopped holding (contradicted, corrected or "forget that"); null while current. */
  validTo: Date | null;
  /** The memory that replaced it, when a newer fact superseded it. */
  supersededBy: string | null;
  /** Always in the prompt (a user profile: preferred name, important people, dates). */
  pinned: boolean;
  /** The model whose vector the item has now; null until embedded (or with no embedding model). */
  embeddingModel: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastRecalledAt: Date | null;
}

/**
 * Which memories an avatar sees: with a `private` policy only its own (avatar_id = avatarId);
 * with `shared`, also the user's shared ones (avatar_id null).
 */
export interface MemoryScope {
  avatarId: string;
  shared: boolean;
}

/** The avatar id a memory taken from a conversation with this avatar is stored under. */
export const storedAvatarId = (scope: MemoryScope): string | null => (scope.shared ? null : scope.avatarId);

/** A memory is current while it has no end. */
export const isCurrent = (item: Pick<MemoryItem, 'validTo'>, at = new Date()) =>
  item.validTo === null || item.validTo > at;

/** What an extraction (or a "remember that …") proposes to store. */
export interface MemoryCandidate {
  kind: MemoryKind;
  content: string;
  importance: number;
  confidence: number;
}

/**
 * What becomes of a candidate once compared with the most similar current memories:
 * add it; update (supersede) `targetId` with it; nothing (already known); or invalidate
 * `targetId` (it no longer holds, nothing replaces it).
 */
export type MemoryDecision =
  | { op: 'add'; candidate: MemoryCandidate }
  | { op: 'update'; targetId: string; candidate: MemoryCandidate }
  | { op: 'noop'; targetId: string | null; reason: string }
  | { op: 'invalidate'; targetId: string; reason: string };

export const RECALL_ITEM_TYPES = ['memory', 'message', 'document'] as const;
export type RecallItemType = (typeof RECALL_ITEM_TYPES)[number];

/** One thing recall found, as the chat uses it and `GET /api/memories/recall` shows it. */
export interface RecallItem {
  type: RecallItemType;
  /** The memory's, message's or document chunk's id. */
  id: string;
  content: string;
  /** The fused score (higher is better); only comparable within one recall. */
  score: number;
  /** Memories: the kind; so the prompt can group and the UI can label. */
  kind?: MemoryKind;
  pinned?: boolean;
  /** A memory's first source message, or the message itself. */
  sourceMessageId?: string;
  conversationId?: string;
  /** A document chunk's document, its name and page (1-based; null when the format has none). */
  documentId?: string;
  documentName?: string;
  page?: number | null;
  /** When it was said or stored (a memory: when it started to hold). */
  createdAt: Date;
}

/** What a reply used: stored in the reply's metadata (`recalled`), shown as the "remembered" chip. */
export interface RecalledRef {
  type: RecallItemType;
  id: string;
  /** A short excerpt, so the chip reads without another request and survives the item's deletion. */
  excerpt: string;
  documentId?: string;
  documentName?: string;
  page?: number | null;
  conversationId?: string;
  sourceMessageId?: string;
}

export const KNOWLEDGE_STATUSES = ['queued', 'indexing', 'ready', 'failed'] as const;
export type KnowledgeStatus = (typeof KNOWLEDGE_STATUSES)[number];

export const KNOWLEDGE_LIMITS = {
  /** Bytes of one uploaded file. */
  fileBytes: 20_000_000,
  /** Documents per avatar. */
  documentsPerAvatar: 100,
  /** Characters of text indexed from one document (the rest is left out, and the document says so). */
  textChars: 2_000_000,
  /** A chunk's target length in characters, and how much neighbouring chunks overlap. */
  chunkChars: 1_200,
  chunkOverlapChars: 150,
} as const;

/** A file an avatar has read: its text is cut into chunks, each recalled like a memory. */
export interface KnowledgeDocument {
  id: string;
  ownerId: string;
  avatarId: string;
  /** The stored file (files table, kind `knowledge`). */
  fileId: string;
  name: string;
  mediaType: string;
  sizeBytes: number;
  status: KnowledgeStatus;
  /** Why indexing failed (a stable code and a sentence), when it did. */
  error: { code: string; message: string } | null;
  /** Chunks made, and how many of them carry a vector of the current embedding model. */
  chunkCount: number;
  embeddedCount: number;
  pageCount: number | null;
  /** Whether the text was cut at `KNOWLEDGE_LIMITS.textChars`. */
  truncated: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface KnowledgeChunk {
  id: string;
  documentId: string;
  ownerId: string;
  avatarId: string;
  ord: number;
  /** 1-based page of a PDF where the chunk starts; null for formats without pages. */
  page: number | null;
  content: string;
}

/** A user's memory settings (user_settings.value.memory). */
export interface UserMemorySettings {
  /** Memory on for this user at all (each avatar also has its own switch). */
  enabled: boolean;
  /** The model extraction uses; null: the conversation's own. */
  extractionModel: string | null;
  /** The embedding model (`<providerId>/<model>` as in GET /api/models); null: full text only. */
  embeddingModel: string | null;
  /** Recall the user's past messages with the avatar (chat history recall). */
  recallMessages: boolean;
}

export const DEFAULT_USER_MEMORY_SETTINGS: UserMemorySettings = {
  enabled: true,
  extractionModel: null,
  embeddingModel: null,
  recallMessages: true,
};

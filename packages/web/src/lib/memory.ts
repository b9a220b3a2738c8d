import type { components, LuminaClient } from '@lumina/sdk';
import { LuminaApiError, LuminaNetworkError } from '@lumina/sdk';
import {
  type QueryClient,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { friendlyMessage } from './api-errors';
import { useLuminaClient } from './lumina-client';
import { type UploadOptions, uploadWithProgress } from './upload-with-progress';

/**
 * Memory and knowledge (issue 13): what an avatar remembers about the person, what it would
 * recall for a text, the documents it has read, and the person's memory settings (docs/memory.md,
 * docs/knowledge.md). Types come from the SDK's schema (openapi.json).
 */

/** The kinds, in the order the inspector groups them (profile first: always in mind). */
export const MEMORY_KINDS = [
  'profile',
  'person',
  'preference',
  'fact',
  'event',
] as const satisfies readonly Memory['kind'][];
export type MemoryKind = Memory['kind'];
export type MemoryOrigin = Memory['origin'];

/** A memory as GET /api/memories lists it (`current`: it holds now, not superseded or forgotten). */
export type Memory = components['schemas']['Memory'];

export interface MemoryPage {
  items: Memory[];
  nextCursor: string | null;
}

export interface MemoryFilters {
  kind?: MemoryKind | undefined;
  q?: string | undefined;
  /** Also the memories that no longer hold (superseded or forgotten). */
  history?: boolean | undefined;
}

export type NewMemory = { content: string; kind: MemoryKind; avatarId?: string | null; pinned?: boolean };
export type MemoryPatch = Partial<Pick<Memory, 'content' | 'kind' | 'importance' | 'pinned'>>;

export type RecallType = 'memory' | 'message' | 'document';

/** One thing recall found for a text (GET /api/memories/recall). */
export type RecallResult = components['schemas']['RecallItem'];

/** What a reply used, kept in its metadata (`recalled`). */
export interface RecalledRef {
  type: RecallType;
  id: string;
  excerpt: string;
  documentId?: string;
  documentName?: string;
  page?: number | null;
  conversationId?: string;
  sourceMessageId?: string;
  createdAt?: string;
}

export type MemorySettings = components['schemas']['UserMemorySettings'];

/** How far the vectors of the chosen embedding model are (GET /api/memories/embedding). */
export type EmbeddingStatus = components['schemas']['MemoryEmbeddingProgress'];

/** A file an avatar has read (GET /api/avatars/:id/documents). */
export type KnowledgeDocument = components['schemas']['KnowledgeDocument'];
export type DocumentStatus = KnowledgeDocument['status'];

// ---------------------------------------------------------------------------------------------
// Pure helpers (tested in memory.test.ts)

export const KIND_LABELS: Record<MemoryKind, { one: string; many: string; hint: string }> = {
  profile: { one: 'Profile', many: 'Profile', hint: 'Your name, important dates: always in mind' },
  person: { one: 'Person', many: 'People', hint: 'People in your life' },
  preference: { one: 'Preference', many: 'Preferences', hint: 'What you like and dislike' },
  fact: { one: 'Fact', many: 'Facts', hint: 'Things about you and your world' },
  event: { one: 'Event', many: 'Events', hint: 'Things that happened or will happen' },
};

export interface MemoryGroup {
  kind: MemoryKind;
  items: Memory[];
}

/**
 * Memories in groups by kind (profile, people, preferences, facts, events; empty groups left
 * out); within a group pinned ones first, then current before replaced, then newest first.
 */
export function groupByKind(items: readonly Memory[]): MemoryGroup[] {
  const rank = (m: Memory) => (m.pinned ? 0 : 1) + (m.current ? 0 : 2);
  return MEMORY_KINDS.map((kind) => ({
    kind,
    items: items
      .filter((m) => m.kind === kind)
      .sort((a, b) => rank(a) - rank(b) || Date.parse(b.validFrom) - Date.parse(a.validFrom)),
  })).filter((group) => group.items.length > 0);
}

/** The importance levels a person picks from (the server stores 0–1). */
export const IMPORTANCE_LEVELS = [
  { value: 0.3, label: 'Low' },
  { value: 0.6, label: 'Normal' },
  { value: 0.9, label: 'High' },
] as const;

/** The level nearest to a stored importance. */
export function importanceLevel(importance: number): (typeof IMPORTANCE_LEVELS)[number] {
  let best: (typeof IMPORTANCE_LEVELS)[number] = IMPORTANCE_LEVELS[1];
  for (const level of IMPORTANCE_LEVELS)
    if (Math.abs(level.value - importance) < Math.abs(best.value - importance)) best = level;
  return best;
}

/** Where a message is shown: its conversation, scrolled to and marked (as search results do). */
export function messageLink(conversationId: string, messageId?: string | null): string {
  const base = `/chat/${encodeURIComponent(conversationId)}`;
  return messageId ? `${base}?message=${encodeURIComponent(messageId)}` : base;
}

/** The message a memory was taken from, if known: a link to it. */
export function memorySourceLink(memory: Pick<Memory, 'sourceConversationId' | 'sourceMessageIds'>) {
  if (!memory.sourceConversationId) return null;
  return messageLink(memory.sourceConversationId, memory.sourceMessageIds[0] ?? null);
}

/** How a memory came to be, in words. */
export function originLabel(origin: MemoryOrigin): string {
  switch (origin) {
    case 'extracted':
      return 'Learned in a chat';
    case 'manual':
      return 'Added by you';
    case 'command':
      return 'You asked it to remember';
    case 'imported':
      return 'Imported';
  }
}

const RECALL_TYPES = new Set<RecallType>(['memory', 'message', 'document']);

/**
 * The `recalled` list of a reply's metadata, read defensively: entries that are not what the
 * server writes are left out, so a stray value never breaks a message.
 */
export function recalledOf(metadata: unknown): RecalledRef[] {
  const list = (metadata as { recalled?: unknown } | null | undefined)?.recalled;
  if (!Array.isArray(list)) return [];
  const out: RecalledRef[] = [];
  for (const entry of list) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    if (!RECALL_TYPES.has(e.type as RecallType) || typeof e.id !== 'string') continue;
    const str = (key: string) => (typeof e[key] === 'string' && e[key] ? (e[key] as string) : undefined);
    const ref: RecalledRef = { type: e.type as RecallType, id: e.id, excerpt: str('excerpt') ?? '' };
    const documentId = str('documentId');
    const documentName = str('documentName');
    const conversationId = str('conversationId');
    const sourceMessageId = str('sourceMessageId');
    const createdAt = str('createdAt');
    if (documentId) ref.documentId = documentId;
    if (documentName) ref.documentName = documentName;
    if (typeof e.page === 'number' && Number.isFinite(e.page)) ref.page = e.page;
    if (conversationId) ref.conversationId = conversationId;
    if (sourceMessageId) ref.sourceMessageId = sourceMessageId;
    if (createdAt) ref.createdAt = createdAt;
    out.push(ref);
  }
  return out;
}

/** "2 memories, 1 past message and 1 document", for the chip's label and its popover. */
export function describeRecalled(refs: readonly Pick<RecalledRef, 'type'>[]): string {
  const count = (type: RecallType) => refs.filter((r) => r.type === type).length;
  const parts: string[] = [];
  const memories = count('memory');
  const messages = count('message');
  const documents = new Set(
    refs.filter((r) => r.type === 'document').map((r) => (r as RecalledRef).documentId ?? r),
  ).size;
  if (memories) parts.push(`${memories} ${memories === 1 ? 'memory' : 'memories'}`);
  if (messages) parts.push(`${messages} past ${messages === 1 ? 'message' : 'messages'}`);
  if (documents) parts.push(`${documents} ${documents === 1 ? 'document' : 'documents'}`);
  if (parts.length <= 1) return parts[0] ?? 'nothing';
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** A document passage's place: "Handbook.pdf, page 3". */
export function citation(ref: { documentName?: string | undefined; page?: number | null | undefined }) {
  const name = ref.documentName ?? 'A document';
  return typeof ref.page === 'number' ? `${name}, page ${ref.page}` : name;
}

/** 0–100, or null while unknown: how far a document's indexing is. */
export function documentProgress(doc: Pick<KnowledgeDocument, 'status' | 'chunkCount' | 'embeddedCount'>) {
  if (doc.status === 'ready') return 100;
  if (doc.status !== 'indexing' || doc.chunkCount <= 0) return null;
  return Math.min(99, Math.floor((doc.embeddedCount / doc.chunkCount) * 100));
}

/** Documents still being read: the list is polled while any is. */
export const indexingPending = (docs: readonly Pick<KnowledgeDocument, 'status'>[]) =>
  docs.some((d) => d.status === 'queued' || d.status === 'indexing');

/** 0–100 over everything that needs a vector; null when there is nothing to embed. */
export function embeddingPercent(status: Pick<EmbeddingStatus, 'memories' | 'messages' | 'documents'>) {
  const total = status.memories.total + status.messages.total + status.documents.total;
  if (total === 0) return null;
  const done = status.memories.embedded + status.messages.embedded + status.documents.embedded;
  return Math.min(100, Math.floor((done / total) * 100));
}

/** The server's limits for knowledge files (KNOWLEDGE_LIMITS in the server's domain/memory.ts). */
export const KNOWLEDGE_LIMITS = { fileBytes: 20_000_000, documentsPerAvatar: 100 } as const;

const KNOWLEDGE_EXTENSIONS = new Set(['pdf', 'docx', 'md', 'markdown', 'txt', 'text', 'html', 'htm']);
const KNOWLEDGE_TYPES = new Set([
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'text/markdown',
  'text/plain',
  'text/html',
]);

/** The file picker's `accept` for knowledge. */
export const KNOWLEDGE_ACCEPT = [...KNOWLEDGE_TYPES, ...[...KNOWLEDGE_EXTENSIONS].map((e) => `.${e}`)].join(
  ',',
);
export const KNOWLEDGE_KINDS_SENTENCE = 'PDF, Word (.docx), Markdown, text or HTML files up to 20 MB';

/** Why a file cannot be a knowledge document, checked before it is sent; null: it may be. */
export function knowledgeFileProblem(file: { name: string; type: string; size: number }): string | null {
  const extension = file.name.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? '';
  if (!KNOWLEDGE_TYPES.has(file.type.toLowerCase()) && !KNOWLEDGE_EXTENSIONS.has(extension))
    return `Not a supported type. Avatars can read ${KNOWLEDGE_KINDS_SENTENCE}.`;
  if (file.size === 0) return 'The file is empty.';
  if (file.size > KNOWLEDGE_LIMITS.fileBytes)
    return `Too big: ${(file.size / 1_000_000).toFixed(1)} MB. Files can be up to 20 MB.`;
  return null;
}

/** An error of the memory or knowledge routes in words, the server's reason kept where it helps. */
export function memoryErrorMessage(error: unknown): string {
  if (error instanceof LuminaApiError) {
    if (error.code === 'route_not_found')
      return 'This server doesn’t have memory yet. Update Lumina to use it.';
    if (error.status === 404) return 'Not found: it may have been deleted in another tab.';
    if (error.status === 413) return 'Too big. Files can be up to 20 MB.';
    if (error.status === 415) return `Not a supported type. Avatars can read ${KNOWLEDGE_KINDS_SENTENCE}.`;
  }
  if (error instanceof LuminaNetworkError) return 'Can’t reach the Lumina server.';
  return friendlyMessage(error);
}

// ---------------------------------------------------------------------------------------------
// Requests

const enc = encodeURIComponent;

export const MEMORIES_QUERY_KEY = ['memories'] as const;
export const memoriesKey = (avatarId: string, filters: MemoryFilters) =>
  ['memories', avatarId, filters] as const;
export const MEMORY_SETTINGS_KEY = ['memory-settings'] as const;
export const EMBEDDING_STATUS_KEY = ['memory-embedding'] as const;
export const documentsKey = (avatarId: string) => ['knowledge', avatarId] as const;

export async function listMemories(
  lumina: LuminaClient,
  avatarId: string,
  filters: MemoryFilters,
  before?: string | null,
  signal?: AbortSignal,
): Promise<MemoryPage> {
  const q = filters.q?.trim();
  const { data } = await lumina.GET('/api/memories', {
    params: {
      query: {
        // What the avatar sees under its policy: its own memories, and the shared ones if shared.
        visibleTo: avatarId,
        limit: 100,
        ...(filters.kind ? { kind: filters.kind } : {}),
        ...(q ? { q } : {}),
        ...(filters.history ? { history: 'true' } : {}),
        ...(before ? { before } : {}),
      },
    },
    ...(signal ? { signal } : {}),
  });
  return { items: data?.items ?? [], nextCursor: data?.nextCursor ?? null };
}

/** An avatar's memories, a page of 100 at a time. */
export function useMemories(avatarId: string, filters: MemoryFilters, enabled = true) {
  const lumina = useLuminaClient();
  return useInfiniteQuery({
    queryKey: memoriesKey(avatarId, filters),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => listMemories(lumina, avatarId, filters, pageParam, signal),
    getNextPageParam: (last) => last.nextCursor,
    enabled,
  });
}

/** The versions of a memory, oldest first (what it said before each correction). */
export function useMemoryHistory(id: string | null) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: ['memory-history', id],
    enabled: id !== null,
    queryFn: async ({ signal }): Promise<Memory[]> => {
      const { data } = await lumina.GET('/api/memories/{id}/history', {
        params: { path: { id: id ?? '' } },
        signal,
      });
      return [...(data?.items ?? [])].sort((a, b) => Date.parse(a.validFrom) - Date.parse(b.validFrom));
    },
  });
}

const invalidateMemories = (queryClient: QueryClient) =>
  Promise.all([
    queryClient.invalidateQueries({ queryKey: MEMORIES_QUERY_KEY }),
    queryClient.invalidateQueries({ queryKey: ['memory-history'] }),
    queryClient.invalidateQueries({ queryKey: ['memory-recall'] }),
  ]);

/** Replaces one memory in every cached list (an edit or a pin shows at once). */
function putMemory(queryClient: QueryClient, memory: Memory) {
  queryClient.setQueriesData<{ pages: MemoryPage[]; pageParams: unknown[] }>(
    { queryKey: MEMORIES_QUERY_KEY },
    (cached) =>
      cached && {
        ...cached,
        pages: cached.pages.map((page) => ({
          ...page,
          items: page.items.map((m) => (m.id === memory.id ? memory : m)),
        })),
      },
  );
}

export function useAddMemory() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (memory: NewMemory) => {
      const { data } = await lumina.POST('/api/memories', { body: memory });
      return data?.memory ?? null;
    },
    onSuccess: () => invalidateMemories(queryClient),
  });
}

export function useUpdateMemory() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, patch }: { id: string; patch: MemoryPatch }) => {
      const { data } = await lumina.PATCH('/api/memories/{id}', { params: { path: { id } }, body: patch });
      return data?.memory ?? null;
    },
    onSuccess: (memory) => {
      if (memory) putMemory(queryClient, memory);
      // A new text may supersede the old item (a new id): the lists are read again.
      return invalidateMemories(queryClient);
    },
  });
}

export async function deleteMemory(lumina: LuminaClient, id: string): Promise<void> {
  await lumina.DELETE('/api/memories/{id}', { params: { path: { id } } });
}

/**
 * "Forget everything": with an avatar id, the memories that avatar keeps as its own (shared ones
 * stay: other avatars see them too); with null, every memory of the person. Resolves with how
 * many went.
 */
export function useForgetAll() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (avatarId: string | null) => {
      const { data } = await lumina.DELETE('/api/memories', {
        params: { query: { ...(avatarId ? { avatarId } : {}), confirm: 'true' } },
        body: { confirm: true },
      });
      return data?.deleted ?? 0;
    },
    onSuccess: () => invalidateMemories(queryClient),
  });
}

/** Where the JSON export of all the person's memories (with their history) downloads from. */
export const MEMORY_EXPORT_URL = '/api/memories/export';

/** What the chat would recall for this text with this avatar (nothing is stored or changed). */
export function useRecall(avatarId: string, q: string, k = 8) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: ['memory-recall', avatarId, q, k],
    enabled: q.trim().length > 0,
    queryFn: async ({ signal }): Promise<RecallResult[]> => {
      const { data } = await lumina.GET('/api/memories/recall', {
        params: { query: { avatarId, q: q.trim(), k } },
        signal,
      });
      return data?.items ?? [];
    },
  });
}

export function useMemorySettings() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: MEMORY_SETTINGS_KEY,
    queryFn: async ({ signal }): Promise<MemorySettings> => {
      const { data } = await lumina.GET('/api/settings/memory', { signal });
      if (!data) throw new Error('The server answered without the settings');
      return data;
    },
  });
}

export function useUpdateMemorySettings() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (patch: Partial<MemorySettings>): Promise<MemorySettings> => {
      const { data } = await lumina.PATCH('/api/settings/memory', { body: patch });
      if (!data) throw new Error('The server answered without the settings');
      return data;
    },
    onSuccess: (settings) => {
      queryClient.setQueryData(MEMORY_SETTINGS_KEY, settings);
      void queryClient.invalidateQueries({ queryKey: EMBEDDING_STATUS_KEY });
    },
  });
}

/** The embedding progress; polled every 2 s while items still lack a vector. */
export function useEmbeddingStatus(enabled = true) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: EMBEDDING_STATUS_KEY,
    enabled,
    queryFn: async ({ signal }): Promise<EmbeddingStatus> => {
      const { data } = await lumina.GET('/api/memories/embedding', { signal });
      if (!data) throw new Error('The server answered without the progress');
      return data;
    },
    refetchInterval: (query) => (query.state.data?.running ? 2000 : false),
  });
}

/** Makes every vector again (`reset`): until done, recall uses words for what is not embedded. */
export function useRebuildEmbeddings() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await lumina.POST('/api/memories/embedding/rebuild', { body: { reset: true } });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: EMBEDDING_STATUS_KEY }),
  });
}

/** An avatar's documents; polled every 1.5 s while any is queued or being read. */
export function useDocuments(avatarId: string) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: documentsKey(avatarId),
    queryFn: async ({ signal }): Promise<KnowledgeDocument[]> => {
      const { data } = await lumina.GET('/api/avatars/{id}/documents', {
        params: { path: { id: avatarId } },
        signal,
      });
      return data?.documents ?? [];
    },
    refetchInterval: (query) => (indexingPending(query.state.data ?? []) ? 1500 : false),
  });
}

export function useDeleteDocument(avatarId: string) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (docId: string) => {
      await lumina.DELETE('/api/avatars/{id}/documents/{docId}', {
        params: { path: { id: avatarId, docId } },
      });
    },
    onSuccess: (_, docId) =>
      queryClient.setQueryData<KnowledgeDocument[]>(documentsKey(avatarId), (docs) =>
        docs?.filter((d) => d.id !== docId),
      ),
  });
}

/** Where a document's original file is served. */
export const documentFileUrl = (avatarId: string, docId: string) =>
  `/api/avatars/${enc(avatarId)}/documents/${enc(docId)}/file`;

/**
 * Uploads one knowledge file (multipart field `file`) with XMLHttpRequest, whose upload events
 * tell the progress. Resolves with the stored document(s); rejects with a LuminaApiError (the
 * server's code), a LuminaNetworkError, or an AbortError.
 */
export function uploadDocument(
  avatarId: string,
  file: File,
  options: UploadOptions = {},
): Promise<KnowledgeDocument[]> {
  return uploadWithProgress(
    `/api/avatars/${enc(avatarId)}/documents`,
    file,
    (body) => {
      const b = body as { documents?: KnowledgeDocument[]; document?: KnowledgeDocument } | undefined;
      return b?.documents ?? (b?.document ? [b.document] : []);
    },
    options,
  );
}

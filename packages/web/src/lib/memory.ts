import type { LuminaClient } from '@lumina/sdk';
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

/**
 * Memory and knowledge (issue 13): what an avatar remembers about the person, what it would
 * recall for a text, the documents it has read, and the person's memory settings. The routes are
 * newer than the SDK's generated types, so they are called through the SDK client untyped (it
 * still sends the CSRF header and throws LuminaApiError) and typed here by hand, after the
 * server's contract (docs/memory.md).
 */

export const MEMORY_KINDS = ['profile', 'person', 'preference', 'fact', 'event'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];
export type MemoryOrigin = 'extracted' | 'manual' | 'command' | 'imported';

/** A memory as GET /api/memories lists it. */
export interface Memory {
  id: string;
  /** The one avatar it belongs to; null: shared by the person's avatars with shared memory. */
  avatarId: string | null;
  kind: MemoryKind;
  content: string;
  /** 0–1. */
  importance: number;
  /** 0–1. */
  confidence: number;
  origin: MemoryOrigin;
  sourceMessageIds: string[];
  sourceConversationId: string | null;
  validFrom: string;
  validTo: string | null;
  supersededBy: string | null;
  pinned: boolean;
  embeddingModel: string | null;
  createdAt: string;
  updatedAt: string;
  lastRecalledAt: string | null;
  /** Holds now (not superseded or forgotten). */
  current: boolean;
}

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
export interface RecallResult {
  type: RecallType;
  id: string;
  content: string;
  score: number;
  kind?: MemoryKind;
  pinned?: boolean;
  sourceMessageId?: string;
  conversationId?: string;
  documentId?: string;
  documentName?: string;
  page?: number | null;
  createdAt: string;
}

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

export interface MemorySettings {
  enabled: boolean;
  extractionModel: string | null;
  embeddingModel: string | null;
  recallMessages: boolean;
}

interface Counted {
  total: number;
  embedded: number;
}

/** How far the vectors of the chosen embedding model are (GET /api/memories/embedding). */
export interface EmbeddingStatus {
  model: string | null;
  dimensions: number | null;
  memories: Counted;
  messages: Counted;
  documents: Counted;
  running: boolean;
}

export type DocumentStatus = 'queued' | 'indexing' | 'ready' | 'failed';

/** A file an avatar has read (GET /api/avatars/:id/documents). */
export interface KnowledgeDocument {
  id: string;
  avatarId: string;
  name: string;
  mediaType: string;
  sizeBytes: number;
  status: DocumentStatus;
  error: { code: string; message: string } | null;
  chunkCount: number;
  embeddedCount: number;
  pageCount: number | null;
  truncated: boolean;
  createdAt: string;
  updatedAt: string;
}

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

type Query = Record<string, string | number | boolean | undefined>;
interface RawInit {
  params?: { query?: Query };
  body?: unknown;
  signal?: AbortSignal;
}
type RawCall = (path: string, init?: RawInit) => Promise<{ data?: unknown }>;
interface RawClient {
  GET: RawCall;
  POST: RawCall;
  PATCH: RawCall;
  DELETE: RawCall;
}

/** The SDK client for routes its generated types do not list yet (same headers and errors). */
const raw = (lumina: LuminaClient) => lumina as unknown as RawClient;
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
  const { data } = await raw(lumina).GET('/api/memories', {
    params: {
      query: {
        // What the avatar sees under its policy: its own memories, and the shared ones if shared.
        visibleTo: avatarId,
        kind: filters.kind,
        q: filters.q?.trim() || undefined,
        history: filters.history ? true : undefined,
        limit: 100,
        before: before ?? undefined,
      },
    },
    ...(signal ? { signal } : {}),
  });
  const page = data as Partial<MemoryPage> | undefined;
  return { items: page?.items ?? [], nextCursor: page?.nextCursor ?? null };
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
      const { data } = await raw(lumina).GET(`/api/memories/${enc(id ?? '')}/history`, { signal });
      const items = (data as { items?: Memory[] } | undefined)?.items ?? [];
      return [...items].sort((a, b) => Date.parse(a.validFrom) - Date.parse(b.validFrom));
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

function memoryOf(data: unknown): Memory | null {
  const d = data as { memory?: Memory; item?: Memory } | Memory | undefined;
  if (!d) return null;
  if ('memory' in d && d.memory) return d.memory;
  if ('item' in d && d.item) return d.item;
  return 'id' in d ? (d as Memory) : null;
}

export function useAddMemory() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (memory: NewMemory) => {
      const { data } = await raw(lumina).POST('/api/memories', { body: memory });
      return memoryOf(data);
    },
    onSuccess: () => invalidateMemories(queryClient),
  });
}

export function useUpdateMemory() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, patch }: { id: string; patch: MemoryPatch }) => {
      const { data } = await raw(lumina).PATCH(`/api/memories/${enc(id)}`, { body: patch });
      return memoryOf(data);
    },
    onSuccess: (memory) => {
      if (memory) putMemory(queryClient, memory);
      // A new text may supersede the old item (a new id): the lists are read again.
      return invalidateMemories(queryClient);
    },
  });
}

export async function deleteMemory(lumina: LuminaClient, id: string): Promise<void> {
  await raw(lumina).DELETE(`/api/memories/${enc(id)}`);
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
      const { data } = await raw(lumina).DELETE('/api/memories', {
        params: { query: { ...(avatarId ? { avatarId } : {}), confirm: true } },
      });
      return (data as { deleted?: number } | undefined)?.deleted ?? 0;
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
      const { data } = await raw(lumina).GET('/api/memories/recall', {
        params: { query: { avatarId, q: q.trim(), k } },
        signal,
      });
      return (data as { items?: RecallResult[] } | undefined)?.items ?? [];
    },
  });
}

export function useMemorySettings() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: MEMORY_SETTINGS_KEY,
    queryFn: async ({ signal }): Promise<MemorySettings> => {
      const { data } = await raw(lumina).GET('/api/settings/memory', { signal });
      const d = data as { memory?: MemorySettings } | MemorySettings;
      return 'memory' in d && d.memory ? d.memory : (d as MemorySettings);
    },
  });
}

export function useUpdateMemorySettings() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (patch: Partial<MemorySettings>): Promise<MemorySettings> => {
      const { data } = await raw(lumina).PATCH('/api/settings/memory', { body: patch });
      const d = data as { memory?: MemorySettings } | MemorySettings;
      return 'memory' in d && d.memory ? d.memory : (d as MemorySettings);
    },
    onSuccess: (settings) => {
      queryClient.setQueryData(MEMORY_SETTINGS_KEY, settings);
      void queryClient.invalidateQueries({ queryKey: EMBEDDING_STATUS_KEY });
    },
  });
}

/** The embedding progress; polled every 2 s while a rebuild runs. */
export function useEmbeddingStatus(enabled = true) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: EMBEDDING_STATUS_KEY,
    enabled,
    queryFn: async ({ signal }): Promise<EmbeddingStatus> => {
      const { data } = await raw(lumina).GET('/api/memories/embedding', { signal });
      return data as EmbeddingStatus;
    },
    refetchInterval: (query) => (query.state.data?.running ? 2000 : false),
  });
}

export function useRebuildEmbeddings() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await raw(lumina).POST('/api/memories/embedding/rebuild', {});
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
      const { data } = await raw(lumina).GET(`/api/avatars/${enc(avatarId)}/documents`, { signal });
      return (data as { documents?: KnowledgeDocument[] } | undefined)?.documents ?? [];
    },
    refetchInterval: (query) => (indexingPending(query.state.data ?? []) ? 1500 : false),
  });
}

export function useDeleteDocument(avatarId: string) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (docId: string) => {
      await raw(lumina).DELETE(`/api/avatars/${enc(avatarId)}/documents/${enc(docId)}`);
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

export interface UploadOptions {
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  baseUrl?: string;
}

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
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const abort = () => xhr.abort();
    const done = () => options.signal?.removeEventListener('abort', abort);
    xhr.open('POST', `${options.baseUrl ?? ''}/api/avatars/${enc(avatarId)}/documents`);
    xhr.withCredentials = true;
    xhr.responseType = 'text';
    xhr.setRequestHeader('x-lumina-csrf', '1');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      done();
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        const b = body as { documents?: KnowledgeDocument[]; document?: KnowledgeDocument } | undefined;
        options.onProgress?.(1);
        resolve(b?.documents ?? (b?.document ? [b.document] : []));
        return;
      }
      const response = new Response(null, {
        status: xhr.status || 500,
        statusText: xhr.statusText,
        headers: { 'x-request-id': xhr.getResponseHeader('x-request-id') ?? '' },
      });
      reject(LuminaApiError.fromResponse(response, body));
    };
    xhr.onerror = () => {
      done();
      reject(new LuminaNetworkError('Cannot reach the Lumina server'));
    };
    xhr.onabort = () => {
      done();
      reject(new DOMException('The upload was cancelled', 'AbortError'));
    };
    if (options.signal?.aborted) {
      reject(new DOMException('The upload was cancelled', 'AbortError'));
      return;
    }
    options.signal?.addEventListener('abort', abort);
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

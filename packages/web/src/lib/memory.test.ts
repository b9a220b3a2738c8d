import { describe, expect, it } from 'vitest';
import {
  citation,
  describeRecalled,
  documentProgress,
  embeddingPercent,
  groupByKind,
  importanceLevel,
  indexingPending,
  knowledgeFileProblem,
  type Memory,
  memorySourceLink,
  messageLink,
  recalledOf,
} from './memory';

let serial = 0;
function memory(overrides: Partial<Memory> = {}): Memory {
  serial++;
  return {
    id: `m${serial}`,
    avatarId: 'a1',
    kind: 'fact',
    content: `Memory ${serial}`,
    importance: 0.5,
    confidence: 0.9,
    origin: 'extracted',
    sourceMessageIds: [],
    sourceConversationId: null,
    validFrom: '2026-03-01T00:00:00.000Z',
    validTo: null,
    supersededBy: null,
    pinned: false,
    embeddingModel: null,
    createdAt: '2026-03-01T00:00:00.000Z',
    updatedAt: '2026-03-01T00:00:00.000Z',
    lastRecalledAt: null,
    current: true,
    ...overrides,
  };
}

describe('groupByKind', () => {
  it('orders the groups profile, people, preferences, facts, events and leaves empty ones out', () => {
    const groups = groupByKind([
      memory({ kind: 'event' }),
      memory({ kind: 'fact' }),
      memory({ kind: 'profile' }),
      memory({ kind: 'person' }),
    ]);
    expect(groups.map((g) => g.kind)).toEqual(['profile', 'person', 'fact', 'event']);
  });

  it('puts pinned first, then current before replaced, then the newest', () => {
    const old = memory({ content: 'old', validFrom: '2026-01-01T00:00:00.000Z' });
    const recent = memory({ content: 'recent', validFrom: '2026-05-01T00:00:00.000Z' });
    const pinned = memory({ content: 'pinned', pinned: true, validFrom: '2025-01-01T00:00:00.000Z' });
    const replaced = memory({
      content: 'replaced',
      current: false,
      validFrom: '2026-06-01T00:00:00.000Z',
      validTo: '2026-06-02T00:00:00.000Z',
    });
    const [facts] = groupByKind([old, replaced, recent, pinned]);
    expect(facts?.items.map((m) => m.content)).toEqual(['pinned', 'recent', 'old', 'replaced']);
  });
});

describe('links to messages', () => {
  it('opens the conversation at the message, as search results do', () => {
    expect(messageLink('c 1', 'm/2')).toBe('/chat/c%201?message=m%2F2');
    expect(messageLink('c1')).toBe('/chat/c1');
  });

  it('links a memory to its first source message, and nowhere when it has no conversation', () => {
    expect(memorySourceLink({ sourceConversationId: 'c1', sourceMessageIds: ['m1', 'm2'] })).toBe(
      '/chat/c1?message=m1',
    );
    expect(memorySourceLink({ sourceConversationId: null, sourceMessageIds: [] })).toBeNull();
  });
});

describe('recalledOf', () => {
  it('reads the entries the server writes and leaves out anything else', () => {
    const refs = recalledOf({
      recalled: [
        { type: 'memory', id: 'm1', excerpt: 'Likes tea' },
        {
          type: 'document',
          id: 'k1',
          excerpt: 'Chapter 1',
          documentId: 'd1',
          documentName: 'Book.pdf',
          page: 3,
        },
        { type: 'message', id: 'x1', excerpt: 'I moved', conversationId: 'c1', sourceMessageId: 'x1' },
        { type: 'secret', id: 'z' },
        { type: 'memory' },
        null,
        'text',
      ],
    });
    expect(refs).toEqual([
      { type: 'memory', id: 'm1', excerpt: 'Likes tea' },
      {
        type: 'document',
        id: 'k1',
        excerpt: 'Chapter 1',
        documentId: 'd1',
        documentName: 'Book.pdf',
        page: 3,
      },
      { type: 'message', id: 'x1', excerpt: 'I moved', conversationId: 'c1', sourceMessageId: 'x1' },
    ]);
  });

  it('is empty for metadata without a list', () => {
    expect(recalledOf({})).toEqual([]);
    expect(recalledOf(null)).toEqual([]);
    expect(recalledOf({ recalled: 'x' })).toEqual([]);
  });
});

describe('describeRecalled', () => {
  it('counts each type, passages of one document as one document', () => {
    expect(
      describeRecalled([
        { type: 'memory' },
        { type: 'memory' },
        { type: 'message' },
        { type: 'document', documentId: 'd1' },
        { type: 'document', documentId: 'd1' },
      ] as never),
    ).toBe('2 memories, 1 past message and 1 document');
    expect(describeRecalled([{ type: 'memory' }])).toBe('1 memory');
    expect(describeRecalled([{ type: 'message' }, { type: 'message' }])).toBe('2 past messages');
  });
});

describe('citation', () => {
  it('names the file and its page when it has one', () => {
    expect(citation({ documentName: 'Handbook.pdf', page: 3 })).toBe('Handbook.pdf, page 3');
    expect(citation({ documentName: 'notes.md', page: null })).toBe('notes.md');
  });
});

describe('progress', () => {
  it('tells how far a document is read, unknown until it has chunks', () => {
    expect(documentProgress({ status: 'queued', chunkCount: 0, embeddedCount: 0 })).toBeNull();
    expect(documentProgress({ status: 'indexing', chunkCount: 0, embeddedCount: 0 })).toBeNull();
    expect(documentProgress({ status: 'indexing', chunkCount: 8, embeddedCount: 2 })).toBe(25);
    // Never 100 before the server says ready.
    expect(documentProgress({ status: 'indexing', chunkCount: 8, embeddedCount: 8 })).toBe(99);
    expect(documentProgress({ status: 'ready', chunkCount: 8, embeddedCount: 8 })).toBe(100);
    expect(documentProgress({ status: 'failed', chunkCount: 0, embeddedCount: 0 })).toBeNull();
  });

  it('polls while any document is queued or being read', () => {
    expect(indexingPending([{ status: 'ready' }, { status: 'failed' }])).toBe(false);
    expect(indexingPending([{ status: 'ready' }, { status: 'queued' }])).toBe(true);
    expect(indexingPending([{ status: 'indexing' }])).toBe(true);
  });

  it('adds memories, messages and passages for the embedding progress', () => {
    const none = { total: 0, embedded: 0 };
    expect(embeddingPercent({ memories: none, messages: none, documents: none })).toBeNull();
    expect(
      embeddingPercent({
        memories: { total: 10, embedded: 10 },
        messages: { total: 30, embedded: 5 },
        documents: { total: 0, embedded: 0 },
      }),
    ).toBe(37);
  });
});

describe('importanceLevel', () => {
  it('picks the nearest level', () => {
    expect(importanceLevel(0).label).toBe('Low');
    expect(importanceLevel(0.5).label).toBe('Normal');
    expect(importanceLevel(0.8).label).toBe('High');
    expect(importanceLevel(1).label).toBe('High');
  });
});

describe('knowledgeFileProblem', () => {
  it('accepts the formats avatars read, by type or by name', () => {
    expect(knowledgeFileProblem({ name: 'a.pdf', type: 'application/pdf', size: 10 })).toBeNull();
    expect(knowledgeFileProblem({ name: 'notes.md', type: '', size: 10 })).toBeNull();
    expect(knowledgeFileProblem({ name: 'page.html', type: 'text/html', size: 10 })).toBeNull();
  });

  it('refuses other types, empty files and files over 20 MB, saying why', () => {
    expect(knowledgeFileProblem({ name: 'photo.png', type: 'image/png', size: 10 })).toMatch(
      /^Not a supported type/,
    );
    expect(knowledgeFileProblem({ name: 'a.txt', type: 'text/plain', size: 0 })).toBe('The file is empty.');
    expect(knowledgeFileProblem({ name: 'a.pdf', type: 'application/pdf', size: 25_000_000 })).toBe(
      'Too big: 25.0 MB. Files can be up to 20 MB.',
    );
  });
});

import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { MessageRow } from '../db/schema/index.js';
import { type LuminaExportInput, parseLuminaJson, toLuminaJson } from './lumina-json.js';
import { planConversationImport } from './plan-import.js';
import { branchOf } from './test-helpers.js';

const CONVERSATION_ID = uuidv7();
const OWNER = uuidv7();
function row(parentId: string | null, fields: Partial<MessageRow> = {}): MessageRow {
  return {
    id: uuidv7(),
    conversationId: CONVERSATION_ID,
    ownerId: OWNER,
    parentId,
    role: 'user',
    content: 'hello',
    status: 'complete',
    error: null,
    model: null,
    finishReason: null,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    timeToFirstTokenMs: null,
    durationMs: null,
    writerId: null,
    summary: null,
    metadata: {},
    tsv: null,
    createdAt: new Date('2025-03-01T10:00:00.000Z'),
    updatedAt: new Date('2025-03-01T10:00:00.000Z'),
    ...fields,
  };
}

function sample(): LuminaExportInput {
  const greeting = row(null, { role: 'assistant', content: 'Welcome!' });
  const altGreeting = row(null, { role: 'assistant', content: 'Hi again.' });
  const question = row(greeting.id, { content: 'What is **tea**?', metadata: { speakerName: 'Ada' } });
  const reply = row(question.id, {
    role: 'assistant',
    content: 'A drink.',
    model: 'openai/gpt-4o-mini',
    finishReason: 'stop',
    inputTokens: 120,
    outputTokens: 7,
    costUsd: 0.0000214,
    timeToFirstTokenMs: 310,
    durationMs: 820,
    summary: 'Ada asked about tea.',
    createdAt: new Date('2025-03-01T10:00:05.000Z'),
  });
  const failed = row(question.id, {
    role: 'assistant',
    content: 'A dri',
    status: 'error',
    error: { code: 'provider_timeout', message: 'The model did not answer in time' },
    model: 'ollama/llama3.2',
  });
  return {
    conversation: {
      title: 'Tea talk',
      titleSource: 'user',
      tags: ['drinks'],
      pinned: true,
      archived: false,
      model: 'openai/gpt-4o-mini',
      createdAt: new Date('2025-03-01T09:59:00.000Z'),
      activeLeafId: reply.id,
    },
    avatar: { id: uuidv7(), name: 'Lumina', description: 'A helper', greeting: 'Welcome!', tags: ['helper'] },
    // The repository returns rows by id; give them shuffled to show the export orders them itself.
    messages: [failed, reply, altGreeting, question, greeting],
  };
}

describe('Lumina JSON', () => {
  it('writes the whole tree, parents before children, with every field', () => {
    const input = sample();
    const file = toLuminaJson({ ...input, exportedAt: new Date('2025-03-02T00:00:00.000Z') });
    expect(file).toMatchObject({
      format: 'lumina-conversation',
      version: 1,
      exportedAt: '2025-03-02T00:00:00.000Z',
      conversation: { title: 'Tea talk', tags: ['drinks'], pinned: true, avatar: { name: 'Lumina' } },
      activeLeafId: input.conversation.activeLeafId,
    });
    expect(file.messages.map((m) => m.content)).toEqual([
      'Welcome!',
      'Hi again.',
      'What is **tea**?',
      'A drink.',
      'A dri',
    ]);
    expect(file.messages[3]).toEqual({
      id: expect.any(String),
      parentId: file.messages[2]!.id,
      role: 'assistant',
      content: 'A drink.',
      status: 'complete',
      error: null,
      model: 'openai/gpt-4o-mini',
      finishReason: 'stop',
      usage: { inputTokens: 120, outputTokens: 7, costUsd: 0.0000214 },
      timings: { timeToFirstTokenMs: 310, durationMs: 820 },
      metadata: {},
      summary: 'Ada asked about tea.',
      createdAt: '2025-03-01T10:00:05.000Z',
    });
    expect(file.messages[0]).toMatchObject({ usage: null, timings: null });
  });

  it('round-trips: the same tree, fields and active branch under fresh ids', () => {
    const input = sample();
    const text = JSON.stringify(toLuminaJson(input));
    const imported = parseLuminaJson(JSON.parse(text));
    expect(imported).toMatchObject({
      format: 'lumina-json',
      title: 'Tea talk',
      titleSource: 'user',
      tags: ['drinks'],
      pinned: true,
      archived: false,
      model: 'openai/gpt-4o-mini',
      avatar: input.avatar,
    });
    const plan = planConversationImport(imported);
    const old = new Set(input.messages.map((m) => m.id));
    expect(plan.messages.some((m) => old.has(m.id))).toBe(false);
    const shape = (messages: { id: string; parentId: string | null; content: string }[]) => {
      const contentOf = new Map(messages.map((m) => [m.id, m.content]));
      return messages
        .map((m) => `${m.parentId ? contentOf.get(m.parentId) : '(root)'} → ${m.content}`)
        .sort();
    };
    expect(shape(plan.messages)).toEqual(shape(input.messages));
    expect(branchOf(plan.messages, plan.activeLeafId).map((m) => m.content)).toEqual([
      'Welcome!',
      'What is **tea**?',
      'A drink.',
    ]);
    const strip = ({
      id: _i,
      parentId: _p,
      conversationId: _c,
      ownerId: _o,
      writerId: _w,
      tsv: _t,
      updatedAt: _u,
      ...rest
    }: MessageRow) => rest;
    const byContent = new Map(input.messages.map((m) => [m.content, strip(m)]));
    for (const m of plan.messages) {
      const { id: _id, parentId: _parent, ...rest } = m;
      expect(rest).toEqual(byContent.get(m.content));
    }
  });

  it('refuses a file of the wrong shape, naming the fields', () => {
    const file = toLuminaJson(sample()) as unknown as { messages: Record<string, unknown>[] };
    file.messages[1]!.role = 'wizard';
    delete file.messages[2]!.createdAt;
    expect(() => parseLuminaJson(file)).toThrow(
      expect.objectContaining({
        code: 'conversation_file_invalid',
        status: 422,
        details: {
          issues: expect.arrayContaining([
            expect.objectContaining({ path: 'messages.1.role' }),
            expect.objectContaining({ path: 'messages.2.createdAt' }),
          ]),
        },
      }),
    );
  });

  it('refuses a newer version of the format', () => {
    expect(() => parseLuminaJson({ ...toLuminaJson(sample()), version: 2 })).toThrow(
      expect.objectContaining({ code: 'conversation_file_version_unsupported' }),
    );
  });

  it('reads a minimal hand-written file, filling the defaults', () => {
    const imported = parseLuminaJson({
      format: 'lumina-conversation',
      version: 1,
      conversation: { title: 'Hand made', createdAt: '2025-01-01T00:00:00Z', avatar: { name: 'Bob' } },
      activeLeafId: null,
      messages: [
        { id: '1', parentId: null, role: 'user', content: 'hi', createdAt: '2025-01-01T00:00:00Z' },
        { id: '2', parentId: '1', role: 'assistant', content: 'hello', createdAt: '2025-01-01T00:00:01Z' },
      ],
    });
    expect(imported).toMatchObject({
      tags: [],
      pinned: false,
      archived: false,
      model: null,
      titleSource: 'user',
    });
    expect(imported.messages[1]).toMatchObject({ status: 'complete', metadata: {}, inputTokens: null });
  });
});

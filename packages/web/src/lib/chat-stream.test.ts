import type { StreamPart, StreamPartOf } from '@lumina/sdk';
import { describe, expect, it } from 'vitest';
import { applyPart, applyParts, branchState, isPendingId, withPendingMessage } from './chat-stream';
import type { ChatMessage } from './conversations';

const conversationId = 'c1';
const createdAt = '2026-01-01T00:00:00.000Z';

/** A `message-start` as the server sends it, with what a test does not care about filled in. */
function startPart(
  part: Pick<StreamPartOf<'message-start'>, 'messageId' | 'parentId' | 'role'> &
    Partial<StreamPartOf<'message-start'>>,
): StreamPartOf<'message-start'> {
  return { type: 'message-start', turnId: null, participant: null, model: null, createdAt, ...part };
}

function finish(
  status: StreamPartOf<'finish'>['status'],
  finishReason: string | null,
): StreamPartOf<'finish'> {
  return { type: 'finish', status, finishReason, timings: null };
}

function message(
  id: string,
  parentId: string | null,
  role: ChatMessage['role'],
  content: string,
): ChatMessage {
  return {
    id,
    conversationId,
    parentId,
    role,
    content,
    parts: content ? [{ type: 'text', text: content }] : [],
    turnId: null,
    speaker: null,
    status: 'complete',
    error: null,
    model: null,
    finishReason: null,
    usage: null,
    timings: null,
    siblingIds: [id],
    hasSummary: false,
    metadata: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

const greeting = message('g1', null, 'assistant', 'Hello! I am Lumina.');

/** What POST /api/conversations/:id/messages streams for "Hi" answered with "Hey there". */
const SEND: { part: StreamPart; seq: number }[] = [
  {
    seq: 1,
    part: startPart({ messageId: 'u1', parentId: 'g1', role: 'user', content: 'Hi' }),
  },
  {
    seq: 2,
    part: startPart({ messageId: 'r1', parentId: 'u1', role: 'assistant', model: 'ollama/a' }),
  },
  { seq: 3, part: { type: 'model', modelId: 'ollama/b' } },
  { seq: 4, part: { type: 'text-delta', delta: 'Hey' } },
  { seq: 5, part: { type: 'text-delta', delta: ' there' } },
  { seq: 6, part: { type: 'usage', inputTokens: 12, outputTokens: 2, costUsd: 0 } },
  { seq: 7, part: { type: 'title', conversationId, title: 'Saying hi' } },
  {
    seq: 8,
    part: {
      type: 'finish',
      status: 'complete',
      finishReason: 'stop',
      timings: { timeToFirstTokenMs: 120, durationMs: 800 },
    },
  },
];

describe('applyPart', () => {
  it('builds the user message and the reply from a send stream', () => {
    const state = applyParts(branchState(conversationId, [greeting]), SEND);
    expect(state.messages.map((m) => [m.id, m.role, m.content])).toEqual([
      ['g1', 'assistant', 'Hello! I am Lumina.'],
      ['u1', 'user', 'Hi'],
      ['r1', 'assistant', 'Hey there'],
    ]);
    const reply = state.messages[2]!;
    expect(reply.status).toBe('complete');
    expect(reply.model).toBe('ollama/b');
    expect(reply.usage).toEqual({ inputTokens: 12, outputTokens: 2, costUsd: 0 });
    expect(reply.timings).toEqual({ timeToFirstTokenMs: 120, durationMs: 800 });
    expect(reply.finishReason).toBe('stop');
    expect(state.title).toBe('Saying hi');
    expect(state.finished).toBe(true);
    expect(state.lastEventId).toBe(8);
  });

  it('is streaming until finish, and keeps partial text and the error when the model fails', () => {
    let state = applyParts(branchState(conversationId, [greeting]), SEND.slice(0, 4));
    expect(state.messages[2]!.status).toBe('streaming');
    expect(state.finished).toBe(false);
    state = applyPart(state, { type: 'error', code: 'provider_unavailable', message: 'Ollama went away' }, 5);
    state = applyPart(state, finish('error', 'error'), 6);
    expect(state.messages[2]).toMatchObject({
      content: 'Hey',
      status: 'error',
      error: { code: 'provider_unavailable', message: 'Ollama went away' },
    });
  });

  it('skips parts it has already applied (a resume that replays)', () => {
    const once = applyParts(branchState(conversationId, [greeting]), SEND.slice(0, 5));
    const again = applyParts(once, SEND.slice(3, 5));
    expect(again.messages[2]!.content).toBe('Hey there');
  });

  it('starts over when the reply is replayed from its start (resume without Last-Event-ID)', () => {
    const partial = { ...message('r1', 'u1', 'assistant', 'Hey th'), status: 'streaming' as const };
    const start = {
      ...branchState(conversationId, [greeting, message('u1', 'g1', 'user', 'Hi'), partial]),
      replyId: 'r1',
    };
    const state = applyParts(start, SEND.slice(1));
    expect(state.messages.map((m) => m.content)).toEqual(['Hello! I am Lumina.', 'Hi', 'Hey there']);
    expect(state.messages[2]!.status).toBe('complete');
  });

  it('puts a regenerated reply next to the old one as its sibling', () => {
    const old = { ...message('r1', 'u1', 'assistant', 'Hey there'), siblingIds: ['r1'] };
    const start = branchState(conversationId, [greeting, message('u1', 'g1', 'user', 'Hi'), old]);
    const state = applyParts(start, [
      { seq: 1, part: startPart({ messageId: 'r2', parentId: 'u1', role: 'assistant', model: 'm' }) },
      { seq: 2, part: { type: 'text-delta', delta: 'Hello again' } },
      { seq: 3, part: finish('complete', 'stop') },
    ]);
    expect(state.messages.map((m) => m.id)).toEqual(['g1', 'u1', 'r2']);
    expect(state.messages[2]!.siblingIds).toEqual(['r1', 'r2']);
  });

  it('puts an edited user message next to the original, dropping the old reply from the branch', () => {
    const start = branchState(conversationId, [
      greeting,
      message('u1', 'g1', 'user', 'Hi'),
      message('r1', 'u1', 'assistant', 'Hey there'),
    ]);
    const state = applyParts(start, [
      { seq: 1, part: startPart({ messageId: 'u2', parentId: 'g1', role: 'user', content: 'Hello' }) },
      { seq: 2, part: startPart({ messageId: 'r3', parentId: 'u2', role: 'assistant' }) },
      { seq: 3, part: { type: 'text-delta', delta: 'Hi!' } },
    ]);
    expect(state.messages.map((m) => [m.id, m.content])).toEqual([
      ['g1', 'Hello! I am Lumina.'],
      ['u2', 'Hello'],
      ['r3', 'Hi!'],
    ]);
    expect(state.messages[1]!.siblingIds).toEqual(['u1', 'u2']);
    expect(state.messages[2]!.siblingIds).toEqual(['r3']);
  });

  it('replaces the pending message the person just sent, without counting it as a sibling', () => {
    const pending = withPendingMessage(branchState(conversationId, [greeting]), 'Hi', 'g1');
    expect(pending.messages).toHaveLength(2);
    expect(isPendingId(pending.messages[1]!.id)).toBe(true);
    const state = applyParts(pending, SEND.slice(0, 1));
    expect(state.messages.map((m) => m.id)).toEqual(['g1', 'u1']);
    expect(state.messages[1]!.siblingIds).toEqual(['u1']);
  });

  it('marks a stopped reply cancelled and keeps its text', () => {
    const state = applyParts(branchState(conversationId, [greeting]), [
      ...SEND.slice(0, 4),
      { seq: 5, part: finish('cancelled', 'cancelled') },
    ]);
    expect(state.messages[2]).toMatchObject({ content: 'Hey', status: 'cancelled' });
  });

  it('keeps reasoning, tool calls and their results as ordered parts beside the text', () => {
    const state = applyParts(branchState(conversationId, [greeting]), [
      ...SEND.slice(0, 2),
      { seq: 3, part: { type: 'reasoning-delta', delta: 'They greet me; ' } },
      { seq: 4, part: { type: 'reasoning-delta', delta: 'check the weather.' } },
      {
        seq: 5,
        part: { type: 'tool-call', toolCallId: 't1', toolName: 'weather', input: { city: 'Oslo' } },
      },
      {
        seq: 6,
        part: {
          type: 'tool-result',
          toolCallId: 't1',
          toolName: 'weather',
          output: { sky: 'clear' },
          isError: false,
        },
      },
      { seq: 7, part: { type: 'text-delta', delta: 'Clear skies' } },
      { seq: 8, part: { type: 'text-delta', delta: ' in Oslo.' } },
      { seq: 9, part: finish('complete', 'stop') },
    ]);
    const reply = state.messages[2]!;
    expect(reply.content).toBe('Clear skies in Oslo.');
    expect(reply.parts).toEqual([
      { type: 'reasoning', text: 'They greet me; check the weather.' },
      { type: 'tool-call', toolCallId: 't1', toolName: 'weather', input: { city: 'Oslo' } },
      {
        type: 'tool-result',
        toolCallId: 't1',
        toolName: 'weather',
        output: { sky: 'clear' },
        isError: false,
      },
      { type: 'text', text: 'Clear skies in Oslo.' },
    ]);
  });

  it('marks a reply the server could not finish as interrupted', () => {
    const state = applyParts(branchState(conversationId, [greeting]), [
      ...SEND.slice(0, 4),
      { seq: 5, part: finish('interrupted', null) },
    ]);
    expect(state.messages[2]).toMatchObject({ content: 'Hey', status: 'interrupted', finishReason: null });
    expect(state.finished).toBe(true);
  });

  it('ignores deltas before any reply started and parts it does not know', () => {
    const start = branchState(conversationId, [greeting]);
    const state = applyParts(start, [
      { part: { type: 'text-delta', delta: 'stray' } },
      { part: { type: 'from-a-newer-server' } as unknown as StreamPart },
    ]);
    expect(state.messages).toEqual([greeting]);
  });
});

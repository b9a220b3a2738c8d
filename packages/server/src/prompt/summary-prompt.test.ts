import { describe, expect, it } from 'vitest';
import { messageRow } from '../db/message-row.js';
import type { MessageRow } from '../db/schema/index.js';
import { avatarRow } from '../test-support/avatar-rows.js';
import { assembleContext } from './assemble-context.js';
import { insertAtDepth } from './context-sections.js';
import { fitTranscript, planSummary, summaryRequest, summaryTokenLimit } from './summary-prompt.js';

const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;
const created = new Date('2025-03-01T10:00:00Z');
const names = { user: 'Sam', char: 'Aria' };

function branchOf(contents: string[]): MessageRow[] {
  return contents.map((content, index) =>
    messageRow({
      id: `m${index + 1}`,
      conversationId: 'c1',
      ownerId: 'u1',
      parentId: index === 0 ? null : `m${index}`,
      role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content,
      createdAt: created,
      updatedAt: created,
    }),
  );
}

const avatar = avatarRow({ id: 'a1', ownerId: 'u1', createdAt: created, updatedAt: created });

const assemble = (branch: MessageRow[], contextWindow: number) =>
  assembleContext({
    avatar,
    user: { name: 'Sam' },
    branch,
    model: {
      id: 'ollama/x',
      provider: 'ollama',
      name: 'x',
      contextWindow,
      capabilities: { tools: false, vision: false, json: false, embeddings: false },
      local: true,
    },
    replyBudget: 100,
    now: created,
    countTokens: countWords,
  });

const turns = (n: number) => Array.from({ length: n }, (_, i) => `turn ${i} ${'word '.repeat(48)}`);

describe('planSummary', () => {
  it('folds in everything but the recent turns that fit half of the history’s room', async () => {
    const branch = branchOf(turns(20));
    const context = await assemble(branch, 1000);
    expect(context.needsSummary).toBe(true);
    const plan = planSummary(branch, context)!;
    // available 900, system ~40, summary limit 135: about 360 tokens stay verbatim (6 × 53).
    const cut = Number(plan.cutMessageId.slice(1));
    expect(20 - cut).toBeGreaterThanOrEqual(2);
    expect(20 - cut).toBeLessThanOrEqual(7);
    expect(plan.previous).toBeNull();
    expect(plan.messages.map((m) => m.id)).toEqual(branch.slice(0, cut).map((m) => m.id));
  });

  it('extends the previous summary with the messages after it', async () => {
    const branch = branchOf(turns(20));
    branch[5]!.summary = 'Earlier, Sam and Aria met.';
    const context = await assemble(branch, 1000);
    const plan = planSummary(branch, context)!;
    expect(plan.previous).toEqual({ messageId: 'm6', text: 'Earlier, Sam and Aria met.' });
    expect(plan.messages[0]!.id).toBe('m7');
    expect(plan.messages.at(-1)!.id).toBe(plan.cutMessageId);
  });

  it('always leaves the last exchange verbatim, and has nothing to do without older turns', async () => {
    const two = branchOf(turns(2));
    expect(planSummary(two, await assemble(two, 150))).toBeNull();
    const three = branchOf(turns(3));
    expect(planSummary(three, await assemble(three, 150))?.cutMessageId).toBe('m1');
  });

  it('counts a reply added after the context was built instead of folding it in', async () => {
    const branch = branchOf(turns(21));
    const context = await assemble(branch.slice(0, 20), 1000);
    const reply = branch[20]!;
    const withoutCount = planSummary(branch, context)!;
    expect(withoutCount.cutMessageId).toBe('m19'); // unknown size: only the last exchange stays
    const counted = planSummary(branch, context, new Map([[reply.id, countWords(reply.content)]]))!;
    expect(Number(counted.cutMessageId.slice(1))).toBeLessThan(19);
  });

  it('never cuts at a reply still being written', async () => {
    const branch = branchOf(turns(6));
    const context = await assemble(branch, 150);
    const cut = planSummary(branch, context)!.cutMessageId;
    const streaming = branch.map((m) => (m.id === cut ? { ...m, status: 'streaming' as const } : m));
    expect(planSummary(streaming, context)).toBeNull();
  });
});

describe('fitTranscript', () => {
  it('takes the oldest messages that fit, speakers named, unfinished replies marked', async () => {
    const branch = branchOf(['Hello there', 'Hi Sam', 'How are you', 'Fine']);
    branch[1]!.status = 'cancelled';
    const { messages, transcript } = await fitTranscript(branch, names, 12, countWords);
    expect(messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(transcript).toBe('Sam: Hello there\n\nAria: [unfinished] Hi Sam');
  });

  it('cuts a single message that alone is too long, so a summary always makes progress', async () => {
    const branch = branchOf(['word '.repeat(1000), 'short']);
    const { messages, transcript } = await fitTranscript(branch, names, 100, countWords);
    expect(messages).toHaveLength(1);
    expect(transcript.endsWith(' […]')).toBe(true);
    expect(transcript.length).toBeLessThan(400);
  });
});

describe('summaryRequest', () => {
  it('asks for one merged summary, naming both speakers', () => {
    const [system, user] = summaryRequest({ previous: null, transcript: 'Sam: Hi', names, maxTokens: 500 });
    expect(system!.content).toContain('between Sam and Aria');
    expect(system!.content).toContain('at most 300 words');
    expect(user!.content).toBe(
      'Previous summary:\n(none yet)\n\nNew messages:\nSam: Hi\n\nWrite the updated summary.',
    );
  });

  it('sizes summaries to the window', () => {
    expect(summaryTokenLimit(500)).toBe(128);
    expect(summaryTokenLimit(4000)).toBe(600);
    expect(summaryTokenLimit(100_000)).toBe(1024);
  });
});

describe('insertAtDepth', () => {
  it('counts depth from the end, deepest first, clamped to the start', () => {
    const out = insertAtDepth(
      ['a', 'b', 'c'],
      [
        { depth: 0, item: 'end' },
        { depth: 1, item: 'x' },
        { depth: 9, item: 'top' },
        { depth: 1, item: 'y' },
      ],
    );
    expect(out).toEqual(['top', 'a', 'b', 'x', 'y', 'c', 'end']);
    expect(insertAtDepth([], [{ depth: 4, item: 'only' }])).toEqual(['only']);
  });
});

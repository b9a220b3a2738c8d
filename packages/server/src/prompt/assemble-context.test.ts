import { describe, expect, it } from 'vitest';
import { parseWorldInfo } from '../cards/lorebook.js';
import { messageRow } from '../db/message-row.js';
import type { AvatarRow, MessageRow } from '../db/schema/index.js';
import type { RecallItem } from '../domain/memory.js';
import { countTokens as tiktokenCount } from '../providers/adapters/token-counter.js';
import type { ModelInfo } from '../providers/types.js';
import { identityFor } from '../services/settings.service.js';
import { avatarRow as baseAvatarRow } from '../test-support/avatar-rows.js';
import { type AssembledContext, assembleContext, type ContextInput } from './assemble-context.js';
import { TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from './context-budget.js';
import { MEMORY_SECTION_HEADING, MEMORY_SECTION_INTRO } from './context-memory.js';

const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;
const now = new Date('2025-03-05T14:07:00Z');
const created = new Date('2025-03-01T10:00:00Z');

/** Recalled memories of these contents, best first (as memory/recall.ts returns them). */
const recallItems = (contents: string[]): RecallItem[] =>
  contents.map((content, index) => ({
    type: 'memory',
    id: `r${index}`,
    content,
    score: contents.length - index,
    kind: 'fact',
    pinned: false,
    createdAt: new Date('2026-11-03T09:00:00Z'),
  }));

const avatarRow = (overrides: Partial<AvatarRow> = {}) =>
  baseAvatarRow({ createdAt: created, updatedAt: created, ...overrides });

/** A branch of `contents` alternating user/assistant (user first); ids m0001, m0002 … */
function branchOf(
  contents: string[],
  extra: (index: number) => Partial<MessageRow> = () => ({}),
): MessageRow[] {
  return contents.map((content, index) =>
    messageRow({
      id: `m${String(index + 1).padStart(4, '0')}`,
      conversationId: 'c1',
      ownerId: 'u1',
      parentId: index === 0 ? null : `m${String(index).padStart(4, '0')}`,
      role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content,
      createdAt: created,
      updatedAt: created,
      ...extra(index),
    }),
  );
}

const model = (contextWindow: number | null): ModelInfo => ({
  id: 'ollama/llama3.2',
  provider: 'ollama',
  name: 'llama3.2',
  contextWindow,
  capabilities: { tools: false, vision: false, json: true, embeddings: false },
  local: true,
});

function input(overrides: Partial<ContextInput> = {}): ContextInput {
  return {
    avatar: avatarRow(),
    user: { name: 'Samuel', preferredName: 'Sam' },
    branch: branchOf(['Hello Aria', 'Hi Sam, how are you?', 'Fine thanks. Tell me a story.']),
    model: model(100_000),
    replyBudget: 100,
    now,
    countTokens: countWords,
    ...overrides,
  };
}

const kinds = (context: AssembledContext) => context.parts.map((part) => part.kind);
const messageIds = (context: AssembledContext) => context.parts.flatMap((part) => part.messageId ?? []);

/** Recomputes the total from what is sent, the way the assembler promises to count it. */
const sentTokens = (context: AssembledContext) =>
  context.messages.reduce((sum, m) => sum + countWords(m.content) + TOKENS_PER_MESSAGE, TOKENS_PER_REPLY);

describe('assembleContext', () => {
  it('sends the system prompt, then the branch in order, with every part explained', async () => {
    const context = await assembleContext(input());
    expect(kinds(context)).toEqual(['system', 'message', 'message', 'message']);
    expect(context.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(context.messages[0]!.content).toContain('You are Aria.');
    expect(context.messages[0]!.content).toContain('address them as Sam.');
    expect(context.messages.slice(1).map((m) => m.content)).toEqual([
      'Hello Aria',
      'Hi Sam, how are you?',
      'Fine thanks. Tell me a story.',
    ]);
    for (const part of context.parts)
      expect(context.messages[part.messageIndex]!.content).toContain(part.text);
    expect(context.parts.slice(1).map((p) => p.title)).toEqual(['Sam', 'Aria', 'Sam']);
    expect(context.tokens).toMatchObject({ window: 100_000, windowSource: 'model', replyBudget: 100 });
    expect(context.tokens.available).toBe(99_900);
    expect(context.tokens.total).toBe(sentTokens(context));
    expect(context.summary).toBeNull();
    expect(context.dropped.messageIds).toEqual([]);
    expect(context.needsSummary).toBe(false);
    expect(context.speakers).toEqual({ user: 'Sam', char: 'Aria' });
  });

  it('skips empty messages and keeps partial replies of every status', async () => {
    const branch = branchOf(['Hi', 'Half a rep', 'Go on', 'Cut off mid', 'And?', ''], (i) =>
      i === 1
        ? { status: 'cancelled' }
        : i === 3
          ? { status: 'error', error: { code: 'provider_timeout', message: 'slow' } }
          : i === 5
            ? { status: 'streaming' }
            : {},
    );
    branch[4] = { ...branch[4]!, content: '   ', parts: [{ type: 'text', text: '   ' }] };
    const context = await assembleContext(input({ branch }));
    expect(messageIds(context)).toEqual(['m0001', 'm0002', 'm0003', 'm0004']);
  });

  it('keeps a system message of the branch as a system message in place', async () => {
    const branch = branchOf(['Hi', 'Hello', 'Bye']);
    branch[1]!.role = 'system';
    const context = await assembleContext(input({ branch }));
    expect(context.messages.map((m) => m.role)).toEqual(['system', 'user', 'system', 'user']);
    expect(context.parts[2]!.title).toBe('System');
  });

  describe('budget', () => {
    const long = branchOf(Array.from({ length: 10 }, (_, i) => `message number ${i} with some words`));

    it('keeps every message when the prompt exactly fills the window minus the reply', async () => {
      const full = await assembleContext(input({ branch: long }));
      const exact = await assembleContext(input({ branch: long, model: model(full.tokens.total + 100) }));
      expect(exact.tokens.available).toBe(full.tokens.total);
      expect(exact.tokens.total).toBe(full.tokens.total);
      expect(exact.dropped.messageIds).toEqual([]);
      expect(exact.tokens.overBudget).toBe(false);
    });

    it('drops the oldest message when one token is missing, and never exceeds the budget', async () => {
      const full = await assembleContext(input({ branch: long }));
      const short = await assembleContext(input({ branch: long, model: model(full.tokens.total + 99) }));
      expect(short.dropped.messageIds).toEqual(['m0001']);
      expect(messageIds(short)[0]).toBe('m0002');
      expect(short.tokens.total).toBeLessThanOrEqual(short.tokens.available);
      expect(short.tokens.total).toBe(sentTokens(short));
    });

    it('keeps the newest messages as a contiguous run, oldest dropped first', async () => {
      const full = await assembleContext(input({ branch: long }));
      const perMessage = countWords(long[0]!.content) + TOKENS_PER_MESSAGE;
      const room = full.tokens.total - 4 * perMessage; // room for six messages
      const context = await assembleContext(input({ branch: long, model: model(room + 100) }));
      expect(messageIds(context)).toEqual(['m0005', 'm0006', 'm0007', 'm0008', 'm0009', 'm0010']);
      expect(context.dropped.messageIds).toEqual(['m0001', 'm0002', 'm0003', 'm0004']);
      expect(context.needsSummary).toBe(true);
    });

    it('sends the newest message even when it alone is over budget, and says so', async () => {
      const context = await assembleContext(input({ branch: long, model: model(120), replyBudget: 100 }));
      expect(messageIds(context)).toEqual(['m0010']);
      expect(context.dropped.messageIds).toHaveLength(9);
      expect(context.tokens.overBudget).toBe(true);
      expect(context.tokens.available).toBe(20);
    });

    it('reserves the whole window for the reply without breaking', async () => {
      const context = await assembleContext(input({ branch: long, model: model(100), replyBudget: 500 }));
      expect(context.tokens.available).toBe(0);
      expect(messageIds(context)).toEqual(['m0010']);
    });

    it('uses the configured default window when the model does not report one', async () => {
      const unknown = await assembleContext(input({ model: model(null), defaultContextWindow: 4096 }));
      expect(unknown.tokens).toMatchObject({ window: 4096, windowSource: 'default', available: 3996 });
      const none = await assembleContext(input({ model: undefined }));
      expect(none.tokens).toMatchObject({ window: 8192, windowSource: 'default' });
      expect(none.model).toBeNull();
    });

    it('asks for a summary once the threshold share of the window is used', async () => {
      const full = await assembleContext(input({ branch: long }));
      const window = (used: number) => model(Math.ceil(full.tokens.total / used) + 100);
      expect((await assembleContext(input({ branch: long, model: window(0.7) }))).needsSummary).toBe(false);
      const near = await assembleContext(input({ branch: long, model: window(0.8) }));
      expect(near.dropped.messageIds).toEqual([]);
      expect(near.needsSummary).toBe(true);
      const lenient = await assembleContext(
        input({ branch: long, model: window(0.8), summaryThreshold: 0.9 }),
      );
      expect(lenient.needsSummary).toBe(false);
    });

    it('never asks for a summary when there is only the message being answered', async () => {
      const context = await assembleContext(
        input({ branch: branchOf(['one two three four']), model: model(105) }),
      );
      expect(context.tokens.overBudget).toBe(true);
      expect(context.needsSummary).toBe(false);
    });
  });

  describe('summary', () => {
    const withSummary = (at: number, text = 'Sam and Aria met and talked about dragons.') =>
      branchOf(
        Array.from({ length: 8 }, (_, i) => `turn ${i}`),
        (i) => (i === at ? { summary: text } : {}),
      );

    it('stands in for the messages up to and including the nearest summarized ancestor', async () => {
      const branch = withSummary(3);
      branch[1]!.summary = 'An older, shorter summary.';
      const context = await assembleContext(input({ branch }));
      expect(kinds(context)).toEqual(['system', 'summary', 'message', 'message', 'message', 'message']);
      expect(messageIds(context)).toEqual(['m0005', 'm0006', 'm0007', 'm0008']);
      expect(context.summary).toEqual({
        throughMessageId: 'm0004',
        tokens: context.parts[1]!.tokens,
        coveredMessages: 4,
      });
      expect(context.messages[0]!.content).toContain('Sam and Aria met and talked about dragons.');
      expect(context.messages[0]!.content).not.toContain('older, shorter');
      expect(context.dropped.messageIds).toEqual([]);
      expect(context.tokens.total).toBe(sentTokens(context));
    });

    it('ignores a summary on the message being answered (it must be seen verbatim)', async () => {
      const context = await assembleContext(input({ branch: withSummary(7) }));
      expect(context.summary).toBeNull();
      expect(messageIds(context)).toHaveLength(8);
    });

    it('leaves out a summary too large for the window, and the messages it covered', async () => {
      const branch = withSummary(3, 'word '.repeat(500));
      const context = await assembleContext(input({ branch, model: model(250) }));
      expect(context.summary).toBeNull();
      expect(kinds(context)).not.toContain('summary');
      expect(context.dropped.messageIds.slice(0, 4)).toEqual(['m0001', 'm0002', 'm0003', 'm0004']);
    });

    it('drops older messages after the summary when they do not fit', async () => {
      const branch = withSummary(1);
      const full = await assembleContext(input({ branch }));
      const context = await assembleContext(input({ branch, model: model(full.tokens.total + 100 - 1) }));
      expect(context.summary?.throughMessageId).toBe('m0002');
      expect(context.dropped.messageIds).toEqual(['m0003']);
    });
  });

  describe('memories', () => {
    it('are a section of their own after the system prompt, best first, quoted as notes', async () => {
      const context = await assembleContext(
        input({
          memories: recallItems(['Sam has a cat named Miso.', '  ', 'Sam is learning\nthe cello.']),
        }),
      );
      expect(kinds(context).slice(0, 2)).toEqual(['system', 'memory']);
      expect(context.parts[1]!.text).toBe(
        [
          MEMORY_SECTION_HEADING,
          MEMORY_SECTION_INTRO,
          '```notes',
          'Remembered:',
          '- Sam has a cat named Miso. (said 2026-11-03)',
          '- Sam is learning the cello. (said 2026-11-03)',
          '```',
        ].join('\n'),
      );
      expect(context.messages[0]!.content).toContain(`\n\n${context.parts[1]!.text}`);
      expect(context.memories).toEqual({ given: 3, included: 2 });
      expect(context.recalled.map((ref) => ref.excerpt)).toEqual([
        'Sam has a cat named Miso.',
        'Sam is learning the cello.',
      ]);
      expect(context.tokens.total).toBe(sentTokens(context));
    });

    it('are cut from the end when space is short, and make way for the newest message only', async () => {
      const memories = recallItems(
        Array.from({ length: 20 }, (_, i) => `memory ${i} ${'detail '.repeat(10)}`),
      );
      const base = await assembleContext(input());
      const context = await assembleContext(input({ memories, model: model(base.tokens.total + 100 + 60) }));
      expect(context.memories.included).toBeGreaterThan(0);
      expect(context.memories.included).toBeLessThan(20);
      expect(context.parts[1]!.text).toContain('memory 0 ');
      expect(context.parts[1]!.text).not.toContain('memory 19 ');
      // Recalled memories outrank older turns, never the message being answered.
      expect(messageIds(context).at(-1)).toBe('m0003');
      expect(context.dropped.messageIds.length).toBeGreaterThan(0);
      expect(context.tokens.total).toBeLessThanOrEqual(context.tokens.available);
      const tight = await assembleContext(input({ memories, model: model(base.tokens.total + 100 - 10) }));
      expect(tight.memories.included).toBe(0);
      expect(messageIds(tight).at(-1)).toBe('m0003');
    });

    it('add nothing when there are none', async () => {
      const context = await assembleContext(input({ memories: [] }));
      expect(kinds(context)).not.toContain('memory');
      expect(context.recalled).toEqual([]);
    });
  });

  describe('lorebook', () => {
    const lorebook = parseWorldInfo({
      entries: {
        '0': {
          uid: 0,
          key: ['dragon'],
          content: 'Dragons of Eldoria fear {{user}}.',
          order: 10,
          comment: 'Dragons',
        },
        '1': {
          uid: 1,
          key: [],
          content: 'It always rains in Eldoria.',
          constant: true,
          order: 5,
          position: 1,
        },
        '2': {
          uid: 2,
          key: ['story'],
          content: 'Stories are told by the fire.',
          order: 1,
          position: 4,
          depth: 1,
          comment: 'Fire',
        },
        '3': { uid: 3, key: ['unicorn'], content: 'Unicorns are extinct.', order: 1 },
      },
    }).lorebook as unknown as Record<string, unknown>;

    it('puts activated entries into the system prompt and at_depth entries into the history', async () => {
      const branch = branchOf(['Hello', 'Hello, traveller.', 'Is there a dragon? Tell me a story.']);
      const context = await assembleContext(input({ branch, avatar: avatarRow({ lorebook }) }));
      const system = context.messages[0]!.content;
      expect(system).toContain('Dragons of Eldoria fear Sam.');
      expect(system).toContain('It always rains in Eldoria.');
      expect(system).not.toContain('Unicorns');
      expect(kinds(context)).toEqual(['system', 'message', 'message', 'lore', 'message']);
      expect(context.messages[3]).toEqual({ role: 'system', content: 'Stories are told by the fire.' });
      expect(context.parts[3]!.title).toBe('Lore at depth 1: Fire');
      expect(context.lore.activated).toBe(3);
      expect(context.lore.entries.map((e) => [e.label, e.position])).toEqual([
        ['Fire', 'at_depth'],
        ['entry 1', 'after_char'],
        ['Dragons', 'before_char'],
      ]);
      // The default scan depth is 2: the last two messages are scanned, oldest first.
      expect(context.lore.entries.find((e) => e.label === 'Dragons')).toMatchObject({
        explanation: 'key "dragon" matched message 1',
        messageId: 'm0003',
      });
      expect(context.tokens.total).toBe(sentTokens(context));
    });

    it('scans as deep as the book or an entry asks, and no deeper', async () => {
      const branch = branchOf(['A unicorn!', 'Where?', 'Never mind.', 'Fine.', 'Go on.']);
      const shallow = await assembleContext(input({ branch, avatar: avatarRow({ lorebook }) }));
      expect(shallow.messages[0]!.content).not.toContain('Unicorns are extinct.');
      const deep = { ...lorebook, scanDepth: 5 };
      const context = await assembleContext(input({ branch, avatar: avatarRow({ lorebook: deep }) }));
      expect(context.messages[0]!.content).toContain('Unicorns are extinct.');
      expect(context.lore.entries.find((e) => e.label === 'unicorn')?.messageId).toBe('m0001');
    });

    it('counts injected lore against the budget', async () => {
      const branch = branchOf(['Tell me a story.', 'Once upon a time', 'Another story please']);
      const plain = await assembleContext(input({ branch }));
      const withLore = await assembleContext(input({ branch, avatar: avatarRow({ lorebook }) }));
      expect(withLore.tokens.total).toBeGreaterThan(
        plain.tokens.total + countWords('Stories are told by the fire.'),
      );
    });

    it('reports nothing for an avatar without a lorebook', async () => {
      const context = await assembleContext(input());
      expect(context.lore).toMatchObject({ activated: 0, entries: [], dropped: [] });
    });
  });

  describe('the conversation’s own prompt', () => {
    it('replaces the main prompt for this conversation; {{original}} inserts what it replaces', async () => {
      const context = await assembleContext(
        input({
          conversationPrompt: {
            systemPrompt: 'Stay in character as {{char}}, talking with {{user}}. {{original}}',
            authorsNote: null,
          },
        }),
      );
      const system = context.messages[0]!.content as string;
      expect(system.startsWith('Stay in character as Aria, talking with Sam. ')).toBe(true);
      // The replaced identity paragraph is where {{original}} stood, not before it as well.
      const plain = await assembleContext(input());
      const identity = (plain.messages[0]!.content as string).split('\n\n')[0]!;
      expect(system).toContain(identity);
      expect(system.indexOf(identity)).toBeGreaterThan(0);
      expect(context.parts[0]).toMatchObject({ kind: 'system' });
    });

    it('inserts the author’s note at its depth, as its role, shown as its own part', async () => {
      const context = await assembleContext(
        input({
          conversationPrompt: {
            systemPrompt: null,
            authorsNote: { text: '[{{char}} is tired tonight.]', depth: 1, role: 'system' },
          },
        }),
      );
      // Depth 1: above the newest message (the user's last), below the rest.
      expect(kinds(context)).toEqual(['system', 'message', 'message', 'authors_note', 'message']);
      const note = context.parts.find((part) => part.kind === 'authors_note')!;
      expect(note).toMatchObject({
        title: 'Author’s note',
        role: 'system',
        text: '[Aria is tired tonight.]',
      });
      expect(context.messages[note.messageIndex]).toEqual({
        role: 'system',
        content: '[Aria is tired tonight.]',
      });
      // Counted in the total like every other message.
      const without = await assembleContext(input());
      expect(context.tokens.total).toBe(
        without.tokens.total + countWords('[Aria is tired tonight.]') + TOKENS_PER_MESSAGE,
      );
      // Depth 0 puts it after the newest message; blank text sends nothing.
      const last = await assembleContext(
        input({
          conversationPrompt: {
            systemPrompt: null,
            authorsNote: { text: 'Be brief.', depth: 0, role: 'user' },
          },
        }),
      );
      expect(kinds(last).at(-1)).toBe('authors_note');
      const blank = await assembleContext(
        input({
          conversationPrompt: { systemPrompt: '  ', authorsNote: { text: ' ', depth: 2, role: 'system' } },
        }),
      );
      expect(blank.messages).toEqual(without.messages);
    });
  });

  it('sends post-history instructions last', async () => {
    const avatar = avatarRow({
      cardExtras: { card: { data: { post_history_instructions: 'Stay in character, {{user}}.' } } },
    });
    const context = await assembleContext(input({ avatar }));
    expect(kinds(context).at(-1)).toBe('post_history');
    expect(context.messages.at(-1)).toEqual({ role: 'system', content: 'Stay in character, Sam.' });
    expect(context.tokens.total).toBe(sentTokens(context));
  });

  it('speaks to the conversation’s persona, else the default persona, else the account', async () => {
    const account = { name: 'Samuel', preferredName: 'Sam' };
    const knight = {
      id: '11111111-1111-4111-8111-111111111111',
      name: 'Sir Lancelot',
      description: '{{user}} rides a white horse.',
    };
    const vale = { id: '22222222-2222-4222-8222-222222222222', name: 'Detective Vale', description: '' };
    const settings = { personas: [knight, vale], defaultPersonaId: vale.id };
    const avatar = avatarRow({
      cardExtras: { card: { data: { post_history_instructions: 'Stay in character, {{user}}.' } } },
    });
    const context = await assembleContext(input({ avatar, user: identityFor(account, settings, knight.id) }));
    expect(context.speakers.user).toBe('Sir Lancelot');
    const system = context.messages[0]!.content;
    expect(system).toContain('## The user\nYou are talking with Sir Lancelot. Address them as Sir Lancelot.');
    expect(system).toContain('What they have shared about themselves: Sir Lancelot rides a white horse.');
    expect(system).not.toContain('Sam');
    expect(context.messages.at(-1)).toEqual({ role: 'system', content: 'Stay in character, Sir Lancelot.' });

    // No choice (or a deleted one): the default persona; no default: the account's names.
    for (const chosen of [null, 'deleted-persona']) {
      expect(
        (await assembleContext(input({ user: identityFor(account, settings, chosen) }))).speakers.user,
      ).toBe('Detective Vale');
    }
    const plain = identityFor(account, { ...settings, defaultPersonaId: null }, null);
    expect(plain).toBe(account);
    expect((await assembleContext(input({ user: plain }))).speakers.user).toBe('Sam');
  });

  it('is deterministic: same input, same output', async () => {
    const avatar = avatarRow({
      scenario: 'Today {{user}} rolled {{roll:d20}} at {{time}}; {{random:a,b,c,d,e}}.',
    });
    const memories = recallItems(['Sam likes tea.']);
    const a = await assembleContext(input({ avatar, memories }));
    const b = await assembleContext(input({ avatar, memories }));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('counts with the model’s tokenizer by default', async () => {
    const gpt = { ...model(128_000), id: 'openai/gpt-4o', provider: 'openai', name: 'gpt-4o' };
    const context = await assembleContext(input({ model: gpt, countTokens: undefined }));
    const last = context.parts.at(-1)!;
    expect(last.tokens).toBe(await tiktokenCount(last.text, 'gpt-4o'));
  });

  it('handles an empty conversation', async () => {
    const context = await assembleContext(input({ branch: [] }));
    expect(kinds(context)).toEqual(['system']);
    expect(context.needsSummary).toBe(false);
  });

  it('assembles a 10,000-message branch, counting only what it keeps', async () => {
    const branch = branchOf(Array.from({ length: 10_000 }, (_, i) => `message ${i} ${'lorem '.repeat(20)}`));
    let counted = 0;
    const context = await assembleContext(
      input({
        branch,
        model: model(8192),
        replyBudget: 1024,
        countTokens: (text) => {
          counted++;
          return countWords(text);
        },
      }),
    );
    const kept = messageIds(context);
    expect(kept.at(-1)).toBe('m10000');
    expect(kept.length + context.dropped.messageIds.length).toBe(10_000);
    expect(context.dropped.messageIds[0]).toBe('m0001');
    expect(context.tokens.total).toBeLessThanOrEqual(context.tokens.available);
    expect(context.needsSummary).toBe(true);
    expect(counted).toBeLessThan(kept.length + 20);
  });
});

import { describe, expect, it } from 'vitest';
import type { ImportedConversation, ImportedMessage } from './imported-conversation.js';
import { idSequence, planConversationImport } from './plan-import.js';
import { branchOf } from './test-helpers.js';

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 12, minute));
const message = (
  key: string,
  parentKey: string | null,
  extra: Partial<ImportedMessage> = {},
): ImportedMessage => ({
  key,
  parentKey,
  role: 'user',
  content: key,
  createdAt: at(0),
  ...extra,
});
const conversation = (
  messages: ImportedMessage[],
  activeLeafKey: string | null = null,
): ImportedConversation => ({
  format: 'lumina-json',
  title: 't',
  createdAt: at(0),
  avatar: { name: 'A' },
  activeLeafKey,
  messages,
});
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('planConversationImport', () => {
  it('puts parents first, keeps sibling order, and gives fresh UUIDv7 ids that sort like the siblings', () => {
    // Children listed before their parents, siblings b1 < b2 < b3 in file order.
    const plan = planConversationImport(
      conversation([
        message('c', 'b2'),
        message('b2', 'a'),
        message('b1', 'a'),
        message('a', null),
        message('b3', 'a'),
      ]),
    );
    const contents = plan.messages.map((m) => m.content);
    expect(contents).toEqual(['a', 'b2', 'b1', 'b3', 'c']);
    for (const m of plan.messages) expect(m.id).toMatch(UUID_V7);
    const ids = plan.messages.map((m) => m.id);
    expect([...ids].sort()).toEqual(ids);
    const seen = new Set<string>();
    for (const m of plan.messages) {
      if (m.parentId) expect(seen.has(m.parentId)).toBe(true);
      seen.add(m.id);
    }
    expect(plan.messages.map((m) => m.id)).not.toContain('a');
  });

  it('follows the newest child from the newest root when no active message is named', () => {
    const plan = planConversationImport(
      conversation([message('r1', null), message('r2', null), message('x', 'r2'), message('y', 'r2')]),
    );
    expect(branchOf(plan.messages, plan.activeLeafId).map((m) => m.content)).toEqual(['r2', 'y']);
  });

  it('uses the named active message and the latest time as last activity', () => {
    const plan = planConversationImport(
      conversation(
        [
          message('a', null),
          message('b', 'a', { createdAt: at(9) }),
          message('c', 'a', { createdAt: at(5) }),
        ],
        'b',
      ),
    );
    expect(branchOf(plan.messages, plan.activeLeafId).map((m) => m.content)).toEqual(['a', 'b']);
    expect(plan.lastMessageAt).toEqual(at(9));
  });

  it('refuses an empty conversation', () => {
    expect(() => planConversationImport(conversation([]))).toThrow(
      expect.objectContaining({ code: 'conversation_file_empty', status: 422 }),
    );
  });

  it.each([
    ['a repeated id', [message('a', null), message('a', null)], 'duplicate_id'],
    ['a parent not in the file', [message('a', null), message('b', 'ghost')], 'dangling_parent'],
    ['a loop', [message('root', null), message('x', 'y'), message('y', 'x')], 'cycle'],
    ['a message that is its own parent', [message('root', null), message('self', 'self')], 'cycle'],
    ['only a loop', [message('x', 'y'), message('y', 'x')], 'cycle'],
  ])('refuses %s', (_name, messages, reason) => {
    expect(() => planConversationImport(conversation(messages))).toThrow(
      expect.objectContaining({
        code: 'conversation_tree_invalid',
        details: expect.objectContaining({ reason }),
      }),
    );
  });

  it('refuses an active message that is not in the file', () => {
    expect(() => planConversationImport(conversation([message('a', null)], 'zzz'))).toThrow(
      expect.objectContaining({
        code: 'conversation_tree_invalid',
        details: expect.objectContaining({ reason: 'active_leaf_unknown' }),
      }),
    );
  });

  it('stores a reply left mid-stream as interrupted, and removes U+0000 that PostgreSQL cannot hold', () => {
    const plan = planConversationImport(
      conversation([
        message('a', null, {
          role: 'assistant',
          status: 'streaming',
          content: 'half\u0000way',
          metadata: { 'k\u0000': ['v\u0000', { deep: 'x\u0000y' }], literal: 'a \\u0000 stays' },
        }),
      ]),
    );
    expect(plan.messages[0]).toMatchObject({
      status: 'interrupted',
      content: 'halfway',
      metadata: { k: ['v', { deep: 'xy' }], literal: 'a \\u0000 stays' },
    });
  });

  it('refuses a message over the length limit', () => {
    expect(() =>
      planConversationImport(conversation([message('a', null, { content: 'x'.repeat(1_000_001) })])),
    ).toThrow(expect.objectContaining({ code: 'conversation_file_invalid' }));
  });

  it('handles a long single line of turns without deep recursion', () => {
    const messages = Array.from({ length: 20_000 }, (_, i) => message(`m${i}`, i === 0 ? null : `m${i - 1}`));
    const plan = planConversationImport(conversation(messages));
    expect(branchOf(plan.messages, plan.activeLeafId)).toHaveLength(20_000);
  });
});

describe('idSequence', () => {
  it('gives distinct UUIDv7s that sort in the order they were taken', () => {
    const next = idSequence(5000);
    const ids = Array.from({ length: 5000 }, next);
    expect(new Set(ids).size).toBe(5000);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Asking for more than announced still continues the order.
    expect(ids.at(-1)! < next()).toBe(true);
  });
});

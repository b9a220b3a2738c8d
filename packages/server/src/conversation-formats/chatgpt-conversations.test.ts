import { describe, expect, it } from 'vitest';
import { type ChatGptImport, parseChatGptExport } from './chatgpt-conversations.js';
import type { ImportedConversation } from './imported-conversation.js';
import { planConversationImport } from './plan-import.js';
import { branchOf, readFixture } from './test-helpers.js';

const fixture = () => JSON.parse(readFixture('chatgpt-conversations.json').toString('utf8')) as unknown[];
const ok = (result: ChatGptImport | undefined): ImportedConversation => {
  if (!result?.ok) throw new Error(`expected a conversation, got ${JSON.stringify(result)}`);
  return result.conversation;
};

/** A mapping node in the export's shape. */
const node = (id: string, parent: string | null, role: string | null, text = `${id} text`, extra = {}) => ({
  id,
  parent,
  children: [] as string[],
  message: role
    ? {
        id,
        author: { role },
        create_time: 1_700_000_000,
        content: { content_type: 'text', parts: [text] },
        ...extra,
      }
    : null,
});
const conversationOf = (nodes: ReturnType<typeof node>[], current?: string) => {
  const mapping = Object.fromEntries(nodes.map((n) => [n.id, n]));
  for (const n of nodes) if (n.parent && mapping[n.parent]) mapping[n.parent]!.children.push(n.id);
  return { title: 'T', create_time: 1_700_000_000, mapping, current_node: current ?? nodes.at(-1)!.id };
};

describe('parseChatGptExport on a ChatGPT data export', () => {
  const results = parseChatGptExport(fixture());

  it('gives one result per conversation', () => {
    expect(results.map((r) => r.ok && r.conversation.title)).toEqual([
      'Sum of Squares 1-100',
      'Sourdough Starter Smell',
    ]);
  });

  it('keeps the tree (a regenerated answer, an edited question) and makes current_node the active branch', () => {
    const sourdough = ok(results[1]);
    expect(sourdough.createdAt.toISOString()).toBe('2024-09-26T08:00:00.000Z');
    expect(sourdough.avatar).toEqual({ name: 'ChatGPT' });
    const plan = planConversationImport(sourdough);
    // Root, hidden system message, custom instructions and the model's thoughts are left out.
    expect(plan.messages).toHaveLength(9);
    const branch = branchOf(plan.messages, plan.activeLeafId);
    expect(branch.map((m) => [m.role, m.content.slice(0, 30)])).toEqual([
      ['user', 'My sourdough starter smells li'],
      ['assistant', "It's almost certainly alive. A"], // the regenerated answer
      ['user', "[image]\nHere's how it looks af"], // the edited question, with its photo
      ['assistant', 'That looks healthy: plenty of '], // was under the thoughts node
      ['user', 'Thanks! Can you write the sche'],
      ['assistant', '| Where | How often | Ratio |\n'],
    ]);
    expect(branch[0]!.parentId).toBeNull();
    const answers = plan.messages.filter((m) => m.parentId === branch[0]!.id);
    expect(answers.map((m) => m.content.slice(0, 10))).toEqual(['Not dead —', "It's almos"]);
    expect(branch.map((m) => m.model)).toEqual([null, 'gpt-4o', null, 'o3', null, 'o3']);
    expect(branch.map((m) => m.finishReason)).toEqual([null, 'stop', null, 'stop', null, 'length']);
    expect(branch[1]!.createdAt.toISOString()).toBe('2024-09-26T08:01:01.200Z');
  });

  it('keeps the source’s fields in metadata', () => {
    const sourdough = ok(results[1]);
    const [first] = sourdough.messages;
    expect(first!.metadata).toMatchObject({
      source: 'chatgpt',
      chatgpt: {
        author: { role: 'user' },
        content: { content_type: 'text' },
        metadata: { request_id: expect.any(String) },
      },
      importedConversation: {
        format: 'chatgpt-json',
        conversation_id: '66f52a80-1c44-800c-9f3e-2b8d0c6a1e57',
        default_model_slug: 'o3',
        current_node: expect.any(String),
      },
    });
    expect(first!.metadata?.importedConversation).not.toHaveProperty('mapping');
    const photo = sourdough.messages.find((m) => m.content.startsWith('[image]'))!;
    expect(photo.metadata).toMatchObject({
      chatgpt: {
        assets: [
          {
            content_type: 'image_asset_pointer',
            asset_pointer: 'file-service://file-7Qm2xYk1c9PpL3sVbR8TtN',
          },
        ],
        metadata: { attachments: [{ name: 'starter.jpg' }] },
      },
    });
  });

  it('leaves tool calls and their output out, keeping the answer', () => {
    const squares = ok(results[0]);
    expect(squares.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'What is the sum of the squares of 1 to 100?'],
      ['assistant', 'The sum of the squares from 1 to 100 is **338,350**.'],
    ]);
    expect(squares.messages[1]!.parentKey).toBe(squares.messages[0]!.key);
  });
});

describe('parseChatGptExport on unusual and broken exports', () => {
  it('refuses a conversation whose mapping loops, but imports the others', () => {
    const looping = conversationOf([
      node('a', 'c', 'user'),
      node('b', 'a', 'assistant'),
      node('c', 'b', 'user'),
    ]);
    const fine = conversationOf([
      node('root', null, null),
      node('q', 'root', 'user'),
      node('r', 'q', 'assistant'),
    ]);
    const [bad, good] = parseChatGptExport([looping, fine]);
    expect(bad).toMatchObject({
      ok: false,
      title: 'T',
      error: { code: 'conversation_tree_invalid', details: { reason: 'cycle', conversationIndex: 0 } },
    });
    expect(ok(good).messages.map((m) => m.content)).toEqual(['q text', 'r text']);
  });

  it('refuses a parent that is not in the mapping', () => {
    const [result] = parseChatGptExport(conversationOf([node('a', 'ghost', 'user')]));
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'conversation_tree_invalid', details: { reason: 'dangling_parent' } },
    });
  });

  it('refuses a conversation with nothing visible in it', () => {
    const [result] = parseChatGptExport([
      conversationOf([
        node('root', null, null),
        node('s', 'root', 'system', '', { metadata: { is_visually_hidden_from_conversation: true } }),
      ]),
    ]);
    expect(result).toMatchObject({ ok: false, error: { code: 'conversation_file_empty' } });
  });

  it('refuses a conversation of the wrong shape', () => {
    const [result] = parseChatGptExport([{ title: 'x', mapping: { a: { message: { author: {} } } } }]);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'conversation_file_invalid', details: { issues: expect.any(Array) } },
    });
  });

  it('re-parents past empty messages and points a hidden current_node at the nearest message kept', () => {
    const conversation = conversationOf(
      [
        node('root', null, null),
        node('q', 'root', 'user'),
        node('empty', 'q', 'assistant', '   '),
        node('a', 'empty', 'assistant'),
        node('tool', 'a', 'tool'),
      ],
      'tool',
    );
    const imported = ok(parseChatGptExport(conversation)[0]);
    expect(imported.messages.map((m) => [m.key, m.parentKey])).toEqual([
      ['q', null],
      ['a', 'q'],
    ]);
    expect(imported.activeLeafKey).toBe('a');
  });

  it('chooses the newest branch when current_node is missing', () => {
    const conversation = conversationOf([
      node('q', null, 'user'),
      node('a1', 'q', 'assistant'),
      node('a2', 'q', 'assistant'),
    ]);
    delete (conversation as { current_node?: string }).current_node;
    const plan = planConversationImport(ok(parseChatGptExport(conversation)[0]));
    expect(branchOf(plan.messages, plan.activeLeafId).map((m) => m.content)).toEqual(['q text', 'a2 text']);
  });

  it('fences code an assistant wrote for the reader with a longer fence than the code holds', () => {
    const conversation = conversationOf([
      node('q', null, 'user'),
      {
        ...node('c', 'q', 'assistant'),
        message: {
          id: 'c',
          author: { role: 'assistant' },
          create_time: 1_700_000_001,
          content: { content_type: 'code', language: 'md', text: 'before\n```js\nx\n```' },
          recipient: 'all',
        } as never,
      },
    ]);
    const imported = ok(parseChatGptExport(conversation)[0]);
    expect(imported.messages[1]!.content).toBe('````md\nbefore\n```js\nx\n```\n````');
  });
});

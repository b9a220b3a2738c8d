import { describe, expect, it } from 'vitest';
import { messageRow } from '../db/message-row.js';
import type { MessageRow } from '../db/schema/index.js';
import type { MessagePart } from '../domain/message-parts.js';
import type { ModelInfo } from '../providers/types.js';
import { avatarRow } from '../test-support/avatar-rows.js';
import { assembleContext } from './assemble-context.js';
import { TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from './context-budget.js';
import { chatMessagesOf, pairToolCalls, sentTextOf } from './history-messages.js';

const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;
const call = (id: string, input: unknown = { city: 'Bern' }): MessagePart => ({
  type: 'tool-call',
  toolCallId: id,
  toolName: 'weather',
  input,
});
const result = (id: string, output: unknown, isError = false): MessagePart => ({
  type: 'tool-result',
  toolCallId: id,
  toolName: 'weather',
  output,
  isError,
});

let next = 0;
/** A chain of messages, each the child of the one before. */
function branchOf(messages: { role: MessageRow['role']; parts: MessagePart[] }[]): MessageRow[] {
  let parentId: string | null = null;
  return messages.map(({ role, parts }) => {
    const id = `m${String(++next).padStart(4, '0')}`;
    const row = messageRow({
      id,
      conversationId: 'c1',
      ownerId: 'u1',
      parentId,
      role,
      content: parts.map((p) => (p.type === 'text' ? p.text : '')).join(''),
      parts,
    });
    parentId = id;
    return row;
  });
}

const model: ModelInfo = {
  id: 'ollama/llama3.2',
  provider: 'ollama',
  name: 'llama3.2',
  contextWindow: 100_000,
  capabilities: { tools: true, vision: false, json: true, embeddings: false },
  local: true,
};

describe('chatMessagesOf', () => {
  it('sends text, leaves reasoning and files out, and splits a multi-step reply at its results', () => {
    const sent = chatMessagesOf({
      role: 'assistant',
      parts: [
        { type: 'reasoning', text: 'The user wants weather.' },
        { type: 'text', text: 'Let me check.' },
        call('c1'),
        result('c1', { temperature: 4 }),
        { type: 'file', url: '/api/images/x', mediaType: 'image/png' },
        { type: 'text', text: 'It is 4 °C.' },
      ],
    });
    expect(sent).toEqual([
      {
        role: 'assistant',
        content: 'Let me check.',
        toolCalls: [{ toolCallId: 'c1', toolName: 'weather', input: { city: 'Bern' } }],
      },
      { role: 'tool', content: '{"temperature":4}', toolCallId: 'c1', toolName: 'weather' },
      { role: 'assistant', content: 'It is 4 °C.' },
    ]);
  });

  it('sends a tool message as its results (text output as is, failures marked), its text only without results', () => {
    expect(
      chatMessagesOf({
        role: 'tool',
        parts: [{ type: 'text', text: 'ignored' }, result('c1', 'sunny', true)],
      }),
    ).toEqual([{ role: 'tool', content: 'sunny', toolCallId: 'c1', toolName: 'weather', isError: true }]);
    expect(chatMessagesOf({ role: 'tool', parts: [{ type: 'text', text: 'Imported tool output' }] })).toEqual(
      [{ role: 'system', content: 'Imported tool output' }],
    );
    expect(
      chatMessagesOf({ role: 'assistant', parts: [{ type: 'reasoning', text: 'only thoughts' }] }),
    ).toEqual([]);
  });

  it('counts a call as its name and input after the text', () => {
    const [message] = chatMessagesOf({
      role: 'assistant',
      parts: [{ type: 'text', text: 'Hm.' }, call('c1')],
    });
    expect(sentTextOf(message!)).toBe('Hm.\nweather({"city":"Bern"})');
  });
});

describe('pairToolCalls', () => {
  it('drops a call no result answers and a result whose call is not sent', () => {
    const calling = chatMessagesOf({
      role: 'assistant',
      parts: [{ type: 'text', text: 'Checking' }, call('c1')],
    });
    const orphan = chatMessagesOf({ role: 'tool', parts: [result('c0', 'old')] });
    expect(pairToolCalls([orphan, calling])).toEqual([[], [{ role: 'assistant', content: 'Checking' }]]);
    const onlyCall = chatMessagesOf({ role: 'assistant', parts: [call('c2')] });
    expect(pairToolCalls([onlyCall])).toEqual([[]]);
  });
});

describe('assembleContext with message parts', () => {
  it('sends tool calls and results in the model shapes, never reasoning, and counts what is sent', async () => {
    const branch = branchOf([
      { role: 'user', parts: [{ type: 'text', text: 'Weather in Bern?' }] },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', text: 'secret plan words' },
          { type: 'text', text: 'Checking.' },
          call('c1'),
        ],
      },
      { role: 'tool', parts: [result('c1', { temperature: 4, sky: 'clear' })] },
      { role: 'assistant', parts: [{ type: 'text', text: 'It is 4 degrees and clear.' }] },
      { role: 'user', parts: [{ type: 'text', text: 'Thanks!' }] },
    ]);
    const context = await assembleContext({
      avatar: avatarRow(),
      user: { name: 'Sam' },
      branch,
      model,
      replyBudget: 100,
      countTokens: countWords,
    });
    expect(context.messages.slice(1)).toEqual([
      { role: 'user', content: 'Weather in Bern?' },
      {
        role: 'assistant',
        content: 'Checking.',
        toolCalls: [{ toolCallId: 'c1', toolName: 'weather', input: { city: 'Bern' } }],
      },
      { role: 'tool', content: '{"temperature":4,"sky":"clear"}', toolCallId: 'c1', toolName: 'weather' },
      { role: 'assistant', content: 'It is 4 degrees and clear.' },
      { role: 'user', content: 'Thanks!' },
    ]);
    expect(JSON.stringify(context)).not.toContain('secret plan');
    const messageParts = context.parts.filter((part) => part.kind === 'message');
    expect(messageParts.map((part) => [part.role, part.title, part.messageId])).toEqual([
      ['user', 'Sam', branch[0]!.id],
      ['assistant', 'Aria', branch[1]!.id],
      ['tool', 'Tool', branch[2]!.id],
      ['assistant', 'Aria', branch[3]!.id],
      ['user', 'Sam', branch[4]!.id],
    ]);
    expect(messageParts[1]!.text).toBe('Checking.\nweather({"city":"Bern"})');
    // The total is every sent text's tokens plus framing: the calls are counted, the reasoning not.
    const system = context.parts.find((part) => part.kind === 'system')!;
    const expected =
      TOKENS_PER_REPLY +
      system.tokens +
      TOKENS_PER_MESSAGE +
      context.messages
        .slice(1)
        .reduce((sum, message) => sum + countWords(sentTextOf(message)) + TOKENS_PER_MESSAGE, 0);
    expect(context.tokens.total).toBe(expected);
  });

  it('leaves out a call whose result the budget dropped, and a reply that stopped before its result', async () => {
    const branch = branchOf([
      { role: 'user', parts: [{ type: 'text', text: 'one two three four five six seven eight nine ten' }] },
      { role: 'assistant', parts: [call('c1', { words: 'a b c d e f g h i j k l m n o p' })] },
      { role: 'tool', parts: [result('c1', 'done')] },
      { role: 'assistant', parts: [{ type: 'text', text: 'Done.' }, call('c2')] },
      { role: 'user', parts: [{ type: 'text', text: 'And?' }] },
    ]);
    const context = await assembleContext({
      avatar: avatarRow(),
      user: { name: 'Sam' },
      branch,
      model: { ...model, contextWindow: 0 },
      defaultContextWindow: 0,
      replyBudget: 0,
      countTokens: countWords,
    });
    // Only the newest message fits; nothing of the tool exchange may be sent half.
    expect(context.messages.slice(1)).toEqual([{ role: 'user', content: 'And?' }]);
    const roomy = await assembleContext({
      avatar: avatarRow(),
      user: { name: 'Sam' },
      branch,
      model,
      replyBudget: 0,
      countTokens: countWords,
    });
    expect(roomy.messages.slice(1).map((m) => [m.role, m.content, m.toolCalls?.length ?? 0])).toEqual([
      ['user', 'one two three four five six seven eight nine ten', 0],
      ['assistant', '', 1],
      ['tool', 'done', 0],
      ['assistant', 'Done.', 0],
      ['user', 'And?', 0],
    ]);
  });
});

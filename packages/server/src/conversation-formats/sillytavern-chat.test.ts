import { describe, expect, it } from 'vitest';
import type { ImportedMessage } from './imported-conversation.js';
import { planConversationImport } from './plan-import.js';
import { parseSillyTavernChat } from './sillytavern-chat.js';
import { branchOf, readFixture } from './test-helpers.js';

const FIXTURE = 'Seraphina - 2025-09-26@15h04m33s123ms.jsonl';
const fixtureText = () => readFixture(FIXTURE).toString('utf8');
const st = (meta: ImportedMessage['metadata']) => meta?.sillyTavern as Record<string, unknown>;

describe('parseSillyTavernChat on a SillyTavern chat with swipes', () => {
  const conversation = parseSillyTavernChat(fixtureText(), FIXTURE);
  const plan = planConversationImport(conversation);
  const branch = branchOf(plan.messages, plan.activeLeafId);

  it('finds the character, the title and the start of the chat', () => {
    expect(conversation.avatar).toEqual({ name: 'Seraphina' }); // the header says "unused"
    expect(conversation.title).toBe('Seraphina - 2025-09-26@15h04m33s123ms');
    // The header has no date; the first message's (old "June 19, 2023 2:20pm" style) is used.
    expect(conversation.createdAt.toISOString()).toBe('2025-09-26T15:04:00.000Z');
  });

  it('turns every swipe into a sibling and follows the selected one', () => {
    expect(plan.messages).toHaveLength(11);
    expect(branch.map((m) => [m.role, m.content.slice(0, 28)])).toEqual([
      ['assistant', '*You wake with a start, reca'],
      ['user', '*I try to sit up, wincing.* '],
      ['assistant', '*She kneels beside the bed, '], // swipe_id 1 of 3
      ['system', '*Night falls over the glade.'], // narrator
      ['user', "(OOC: let's keep replies sho"], // hidden with /hide: still the user's
      ['user', 'I found this carved on a sto'],
      ['assistant', '*Her expression darkens.* "T'], // swipe_id 0 of 2
      ['system', 'Ask about the wards again to'], // a /comment
    ]);
    const third = branch[2]!;
    const siblings = plan.messages.filter((m) => m.parentId === third.parentId);
    expect(
      siblings.map((m) => (m.metadata as { sillyTavern: { swipeIndex: number } }).sillyTavern.swipeIndex),
    ).toEqual([0, 1, 2]);
    expect(siblings.map((m) => m.id)).toEqual([...siblings.map((m) => m.id)].sort());
    expect(siblings.every((m) => m.role === 'assistant')).toBe(true);
  });

  it('takes each swipe’s model, time and generation time from its swipe_info', () => {
    const swipes = conversation.messages.filter((m) => m.key.startsWith('line-4-'));
    expect(swipes.map((m) => [m.model, m.createdAt.toISOString(), m.durationMs])).toEqual([
      ['gpt-4o-mini', '2025-09-26T07:05:09.114Z', 2384],
      ['gpt-4o-mini', '2025-09-26T07:05:41.881Z', 3661],
      ['gpt-4o', '2025-09-26T07:06:20.002Z', 1052],
    ]);
  });

  it('keeps what has no column in metadata', () => {
    const [greeting] = conversation.messages;
    expect(greeting!.metadata).toMatchObject({
      source: 'sillytavern',
      speakerName: 'Seraphina',
      importedConversation: {
        format: 'sillytavern-jsonl',
        fileName: FIXTURE,
        header: {
          user_name: 'unused',
          chat_metadata: { world_info: 'Eldoria', integrity: expect.any(String) },
        },
      },
    });
    const hidden = conversation.messages.find((m) => m.key === 'line-6')!;
    expect(st(hidden.metadata)).toMatchObject({
      is_system: true,
      force_avatar: 'User Avatars/user-default.png',
    });
    const reply = conversation.messages.find((m) => m.key === 'line-8-swipe-0')!;
    expect(st(reply.metadata)).toMatchObject({
      extra: { reasoning: expect.stringContaining('ward sign'), reasoning_duration: 2140, token_count: 41 },
      gen_started: '2025-09-26T07:09:14.100Z',
      swipeIndex: 0,
      swipeCount: 2,
      swipeInfo: { send_date: '2025-09-26T07:09:20.640Z' },
    });
    expect(st(reply.metadata)).not.toHaveProperty('mes');
    expect(st(reply.metadata)).not.toHaveProperty('swipes');
    const other = conversation.messages.find((m) => m.key === 'line-8-swipe-1')!;
    expect(st(other.metadata)).toMatchObject({
      name: 'Seraphina',
      swipeIndex: 1,
      swipeInfo: { extra: { token_count: 20 } },
    });
    const narrator = conversation.messages.find((m) => m.key === 'line-5')!;
    expect(narrator.metadata).toMatchObject({
      speakerName: 'System',
      sillyTavern: { extra: { type: 'narrator' } },
    });
  });

  it('reads an old TavernAI-style chat: real names in the header, Unix times', () => {
    const legacy = [
      '{"user_name":"You","character_name":"Aqua","create_date":1674559896839}',
      '{"name":"Aqua","is_user":false,"is_name":true,"send_date":1674563371558,"mes":"Are you new here?"}',
      '{"name":"You","is_user":true,"is_name":true,"send_date":1674563391558,"mes":"I am."}',
      '',
    ].join('\r\n');
    const chat = parseSillyTavernChat(legacy, 'upload');
    expect(chat.avatar.name).toBe('Aqua');
    expect(chat.title).toBe('Chat with Aqua');
    expect(chat.createdAt.toISOString()).toBe('2023-01-24T11:31:36.839Z');
    expect(chat.messages.map((m) => [m.role, m.content, m.createdAt.toISOString()])).toEqual([
      ['assistant', 'Are you new here?', '2023-01-24T12:29:31.558Z'],
      ['user', 'I am.', '2023-01-24T12:29:51.558Z'],
    ]);
    expect(st(chat.messages[0]!.metadata)).toMatchObject({ is_name: true });
  });

  it('reads a chat without a header line, naming the character from the file name', () => {
    const chat = parseSillyTavernChat(
      '{"name":"User","is_user":true,"mes":"hi"}\n',
      'Kael - 2024-7-12@01h31m37s.jsonl',
    );
    expect(chat.avatar.name).toBe('Kael');
    expect(chat.messages).toHaveLength(1);
  });

  it('falls back to the swipe that matches mes when swipe_id is out of range', () => {
    const chat = parseSillyTavernChat(
      '{"name":"A","is_user":false,"mes":"two","swipes":["one","two"],"swipe_id":7}\n{"name":"U","is_user":true,"mes":"next"}',
      'x.jsonl',
    );
    expect(chat.messages.find((m) => m.content === 'next')!.parentKey).toBe('line-1-swipe-1');
  });

  it('names the line of a malformed line', () => {
    const lines = fixtureText().split('\n');
    lines[4] = lines[4]!.slice(0, 40);
    expect(() => parseSillyTavernChat(lines.join('\n'), FIXTURE)).toThrow(
      expect.objectContaining({ code: 'conversation_file_bad_line', status: 400, details: { line: 5 } }),
    );
  });

  it('names the line of a message of the wrong shape', () => {
    const text = '{"user_name":"U","character_name":"C"}\n{"name":"C","mes":"ok"}\n{"name":"C","mes":42}';
    expect(() => parseSillyTavernChat(text, 'x.jsonl')).toThrow(
      expect.objectContaining({
        code: 'conversation_file_invalid',
        status: 422,
        message: expect.stringContaining('Line 3'),
        details: expect.objectContaining({ line: 3 }),
      }),
    );
    expect(() => parseSillyTavernChat('{"a":1}\n[1,2]', 'x.jsonl')).toThrow(
      expect.objectContaining({ code: 'conversation_file_bad_line', details: { line: 2 } }),
    );
  });

  it('refuses a chat with only its header', () => {
    expect(() =>
      parseSillyTavernChat('{"user_name":"U","character_name":"C","chat_metadata":{}}\n\n', 'x.jsonl'),
    ).toThrow(expect.objectContaining({ code: 'conversation_file_empty' }));
  });
});

import { describe, expect, it } from 'vitest';
import type { MessagePart } from '../domain/message-parts.js';
import { type PlannedMessage, planConversationImport } from './plan-import.js';
import { parseSillyTavernChat } from './sillytavern-chat.js';
import { parseSillyTavernDate } from './sillytavern-date.js';
import {
  type SillyTavernExportMessage,
  type SillyTavernExportTurn,
  sillyTavernDate,
  toSillyTavernJsonl,
} from './sillytavern-export.js';
import { branchOf, readFixture } from './test-helpers.js';

const at = (minute: number, second = 0) => new Date(Date.UTC(2025, 8, 26, 7, minute, second, 250));
let nextId = 0;
const message = (
  role: SillyTavernExportMessage['role'],
  text: string,
  minute: number,
  extra: Partial<SillyTavernExportMessage> = {},
): SillyTavernExportMessage => ({
  id: `m${++nextId}`,
  role,
  content: text,
  parts: text === '' ? [] : [{ type: 'text', text }],
  model: null,
  durationMs: null,
  metadata: {},
  createdAt: at(minute),
  speakerAvatarId: null,
  ...extra,
});
const header = { userName: 'Ada', characterName: 'Seraphina', createdAt: at(4) };

async function collect(turns: SillyTavernExportTurn[], names = header): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of toSillyTavernJsonl(names, turns)) lines.push(line);
  return lines;
}
const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

/** The turns of a planned (imported) conversation: its branch, each reply with its siblings. */
function turnsOf(messages: PlannedMessage[], leafId: string): SillyTavernExportTurn[] {
  const rows = messages.map(
    (m): SillyTavernExportMessage => ({
      id: m.id,
      role: m.role,
      content: m.content ?? '',
      parts: (m.parts ?? undefined) as MessagePart[] | undefined,
      model: m.model ?? null,
      durationMs: m.durationMs ?? null,
      metadata: m.metadata ?? {},
      createdAt: m.createdAt,
      speakerAvatarId: null,
    }),
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return branchOf(messages, leafId).map((m) => ({
    shown: byId.get(m.id)!,
    swipes: messages.filter((s) => s.parentId === m.parentId).map((s) => byId.get(s.id)!),
  }));
}

describe('toSillyTavernJsonl', () => {
  it('writes the header, then one line per message of the branch', async () => {
    const lines = await collect([
      { shown: message('assistant', '*She smiles.* "Welcome."', 4) },
      { shown: message('user', 'Thanks.\nWhere am I?', 5) },
      {
        shown: message('assistant', 'In my glade.', 6, {
          model: 'openai/gpt-4o-mini',
          durationMs: 1500,
          parts: [
            { type: 'reasoning', text: 'They are lost.' },
            { type: 'text', text: 'In my ' },
            { type: 'tool-call', toolCallId: 'c1', toolName: 'map', input: {} },
            { type: 'text', text: 'glade.' },
          ],
        }),
      },
      { shown: message('tool', '{"x":1}', 6) },
      { shown: message('system', 'Night falls.', 7) },
    ]);
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    expect(parsed(lines)).toEqual([
      {
        user_name: 'Ada',
        character_name: 'Seraphina',
        create_date: '2025-09-26@07h04m00s250ms',
        chat_metadata: {},
      },
      {
        name: 'Seraphina',
        is_user: false,
        is_system: false,
        send_date: '2025-09-26@07h04m00s250ms',
        mes: '*She smiles.* "Welcome."',
        extra: {},
      },
      {
        name: 'Ada',
        is_user: true,
        is_system: false,
        send_date: '2025-09-26@07h05m00s250ms',
        mes: 'Thanks.\nWhere am I?',
        extra: {},
      },
      {
        name: 'Seraphina',
        is_user: false,
        is_system: false,
        send_date: '2025-09-26@07h06m00s250ms',
        mes: 'In my glade.',
        extra: { model: 'openai/gpt-4o-mini', reasoning: 'They are lost.' },
        gen_started: '2025-09-26T07:06:00.250Z',
        gen_finished: '2025-09-26T07:06:01.750Z',
      },
      {
        name: 'System',
        is_user: false,
        is_system: false,
        send_date: '2025-09-26@07h07m00s250ms',
        mes: 'Night falls.',
        extra: { type: 'narrator' },
      },
    ]);
  });

  it('writes the other replies to the same message as swipes, the shown one selected', async () => {
    const first = message('assistant', 'First answer.', 6, { model: 'a', durationMs: 100 });
    const shown = message('assistant', 'Second answer.', 7, { model: 'b', durationMs: 200 });
    const third = message('assistant', 'Third answer.', 8, { model: 'c' });
    const [, line] = parsed(await collect([{ shown, swipes: [first, shown, third] }]));
    expect(line).toMatchObject({
      mes: 'Second answer.',
      send_date: '2025-09-26@07h07m00s250ms',
      extra: { model: 'b' },
      swipe_id: 1,
      swipes: ['First answer.', 'Second answer.', 'Third answer.'],
      swipe_info: [
        {
          send_date: '2025-09-26@07h06m00s250ms',
          gen_started: '2025-09-26T07:06:00.250Z',
          gen_finished: '2025-09-26T07:06:00.350Z',
          extra: { model: 'a' },
        },
        {
          send_date: '2025-09-26@07h07m00s250ms',
          gen_started: '2025-09-26T07:07:00.250Z',
          gen_finished: '2025-09-26T07:07:00.450Z',
          extra: { model: 'b' },
        },
        { send_date: '2025-09-26@07h08m00s250ms', extra: { model: 'c' } },
      ],
    });
  });

  it('writes no swipes for a user message, a lone reply, or siblings of another role', async () => {
    const question = message('user', 'Edited question', 5);
    const other = message('user', 'Original question', 4);
    const reply = message('assistant', 'Only answer', 6);
    const lines = parsed(
      await collect([
        { shown: question, swipes: [other, question] },
        { shown: reply, swipes: [reply, message('user', 'odd sibling', 6)] },
      ]),
    );
    expect(lines.slice(1).map((line) => 'swipes' in line || 'swipe_id' in line)).toEqual([false, false]);
  });

  it('names each line by the recorded speaker, then the avatar that spoke, then the defaults', async () => {
    const lines = parsed(
      await collect(
        [
          { shown: message('assistant', 'a', 1, { metadata: { speakerName: 'Kael' } }) },
          { shown: message('assistant', 'b', 2, { speakerAvatarId: 'av-2' }) },
          { shown: message('assistant', 'c', 3, { speakerAvatarId: 'av-unknown' }) },
          { shown: message('user', 'd', 4, { metadata: { speakerName: 'Ada Lovelace' } }) },
        ],
        { ...header, userName: 'Ada', speakers: new Map([['av-2', 'Mira']]) } as typeof header,
      ),
    );
    expect(lines.slice(1).map((line) => line.name)).toEqual(['Kael', 'Mira', 'Seraphina', 'Ada Lovelace']);
  });

  it('writes dates in SillyTavern’s humanized form, in UTC, read back to the millisecond', () => {
    const date = new Date('2024-01-02T03:04:05.006Z');
    expect(sillyTavernDate(date)).toBe('2024-01-02@03h04m05s006ms');
    expect(parseSillyTavernDate(sillyTavernDate(date))?.toISOString()).toBe(date.toISOString());
  });

  it('round-trips through the SillyTavern importer: the branch, the swipes and their selection', async () => {
    const greeting = message('assistant', 'Welcome, traveler.', 4);
    const question = message('user', 'Where am I?', 5);
    const firstReply = message('assistant', 'In the forest.', 6, { model: 'gpt-4o-mini', durationMs: 900 });
    const regenerated = message('assistant', 'In my glade, safe.', 7, {
      model: 'gpt-4o',
      durationMs: 1200,
      parts: [
        { type: 'reasoning', text: 'Reassure them.' },
        { type: 'text', text: 'In my glade, safe.' },
      ],
    });
    const text = (
      await collect(
        [
          { shown: greeting },
          { shown: question },
          { shown: regenerated, swipes: [firstReply, regenerated] },
          { shown: message('user', 'Thank you.', 8) },
        ],
        { ...header, chatMetadata: { world_info: 'Eldoria' } } as typeof header,
      )
    ).join('');
    const chat = parseSillyTavernChat(text, 'Tea in the glade.jsonl');
    expect(chat.avatar.name).toBe('Seraphina');
    expect(chat.title).toBe('Tea in the glade');
    expect(chat.createdAt).toEqual(header.createdAt);
    const plan = planConversationImport(chat);
    const branch = branchOf(plan.messages, plan.activeLeafId);
    expect(branch.map((m) => [m.role, m.content, m.createdAt.toISOString()])).toEqual([
      ['assistant', 'Welcome, traveler.', at(4).toISOString()],
      ['user', 'Where am I?', at(5).toISOString()],
      ['assistant', 'In my glade, safe.', at(7).toISOString()],
      ['user', 'Thank you.', at(8).toISOString()],
    ]);
    expect(branch[2]).toMatchObject({
      model: 'gpt-4o',
      durationMs: 1200,
      parts: [
        { type: 'reasoning', text: 'Reassure them.' },
        { type: 'text', text: 'In my glade, safe.' },
      ],
    });
    const swipes = plan.messages.filter((m) => m.parentId === branch[2]!.parentId);
    expect(swipes.map((m) => [m.content, m.model, m.durationMs, m.createdAt.toISOString()])).toEqual([
      ['In the forest.', 'gpt-4o-mini', 900, at(6).toISOString()],
      ['In my glade, safe.', 'gpt-4o', 1200, at(7).toISOString()],
    ]);
    expect(plan.messages[0]!.metadata).toMatchObject({
      importedConversation: { header: { chat_metadata: { world_info: 'Eldoria' } } },
    });
  });

  it('re-exports an imported SillyTavern chat with the same branch and swipes', async () => {
    const fixture = 'Seraphina - 2025-09-26@15h04m33s123ms.jsonl';
    const plan = planConversationImport(parseSillyTavernChat(readFixture(fixture).toString('utf8'), fixture));
    const text = (await collect(turnsOf(plan.messages, plan.activeLeafId))).join('');
    const again = planConversationImport(parseSillyTavernChat(text, fixture));
    const shape = (p: typeof plan) =>
      branchOf(p.messages, p.activeLeafId).map((m) => ({
        role: m.role,
        content: m.content,
        at: m.createdAt.toISOString(),
        speaker: (m.metadata as { speakerName?: string }).speakerName,
        swipes: p.messages.filter((s) => s.parentId === m.parentId).map((s) => s.content),
      }));
    expect(shape(again)).toEqual(shape(plan));
    expect(again.messages).toHaveLength(plan.messages.length);
  });
});

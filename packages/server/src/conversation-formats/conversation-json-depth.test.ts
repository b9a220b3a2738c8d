import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../json-depth.js';
import { deeplyNestedJson } from '../test-support/hostile-inputs.js';
import { parseJsonText } from './json-text.js';
import { readConversationFile } from './read-conversation-file.js';

const tooDeep = { status: 400, code: 'json_too_deep', details: { limit: MAX_JSON_DEPTH } };
const file = (text: string) => Buffer.from(text, 'utf8');

/** The error `run` throws (the test fails when it throws nothing). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('JSON depth in conversation files', () => {
  it('refuses a Lumina/ChatGPT-style JSON object or list nested 10,000 deep before parsing', () => {
    const deep = deeplyNestedJson(10_000);
    const lumina = `{"format":"lumina-conversation","version":1,"messages":[],"metadata":${deep}}`;
    expect(thrown(() => readConversationFile(file(lumina), 'export.json'))).toMatchObject(tooDeep);
    expect(thrown(() => readConversationFile(file(`[${deep}]`), 'conversations.json'))).toMatchObject(
      tooDeep,
    );
    expect(thrown(() => parseJsonText(deep))).toMatchObject(tooDeep);
  });

  it('refuses one SillyTavern JSONL line nested 10,000 deep, naming the line', () => {
    const header = JSON.stringify({ user_name: 'You', character_name: 'Bot', create_date: '2025-01-01' });
    const message = JSON.stringify({ name: 'Bot', is_user: false, mes: 'hi', extra: 'DEEP' });
    const jsonl = [header, message.replace('"DEEP"', deeplyNestedJson(10_000))].join('\n');
    expect(thrown(() => readConversationFile(file(jsonl), 'chat.jsonl'))).toMatchObject({
      code: 'json_too_deep',
      details: { limit: MAX_JSON_DEPTH, where: 'line 2' },
    });
  });
});

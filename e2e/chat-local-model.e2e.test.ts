import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../packages/server/src/test-support/fixtures.js';
import { type Account, api, signUpByApi } from './support/auth.js';
import { launchBrowser, saveScreenshot, watchContext } from './support/browser.js';
import { type LuminaServer, startLumina } from './support/server.js';

// The chat flow on a real local model: the embedded llama.cpp engine (installed before the tests
// by scripts/ensure-test-engine.mjs, as `lumina engine install` does) running stories260K from
// fixtures/models, no network at all.

const MODEL_FILE = 'stories260K.gguf';
const testModel = fixturePath('models', MODEL_FILE);
const person: Account = {
  email: 'grace@example.org',
  password: 'compiler pioneer 1952',
  name: 'Grace Hopper',
};

let server: LuminaServer;
let browser: Browser;

beforeAll(async () => {
  server = await startLumina({
    env: { LUMINA_OLLAMA_AUTODETECT: 'false', LUMINA_LOCAL_ONLY: 'true', CHAT_REPLY_TOKENS: '48' },
    prepare: async (dataDir) => {
      await fs.mkdir(path.join(dataDir, 'models'), { recursive: true });
      await fs.copyFile(testModel, path.join(dataDir, 'models', MODEL_FILE));
    },
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('chat with the embedded engine', () => {
  it('streams a reply from a real local model into the browser and stores it complete', async () => {
    const context = await browser.newContext();
    const watch = watchContext(context);
    await signUpByApi(context, server.url, person);
    const models = await api(context, server.url, 'GET', '/api/models');
    const local = (models.json.models as { id: string; local: boolean }[]).find(
      (m) => m.id === `llama-cpp/${MODEL_FILE}`,
    );
    expect(local, JSON.stringify(models.json)).toMatchObject({ local: true });
    expect((await api(context, server.url, 'PUT', '/api/settings', { defaultModel: local!.id })).status).toBe(
      200,
    );

    const page = await context.newPage();
    await page.goto(`${server.url}/chat`);
    await page.getByRole('button', { name: 'New chat' }).first().click();
    await page.waitForURL(/\/chat\/new\?avatar=/);
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('Tell me a story about a little cat.');
    await composer.press('Enter');
    // The first message stores the conversation; the reply comes after the greeting and the question.
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    await page.locator('article[data-message-id]').nth(2).waitFor({ timeout: 60_000 });

    const reply = page.locator('article[data-message-id]').last();
    await expect.poll(() => reply.getAttribute('data-status'), { timeout: 60_000 }).toBe('complete');
    const text = ((await reply.textContent()) ?? '').trim();
    expect(text.length).toBeGreaterThan(0);
    await saveScreenshot(page, 'chat-local-model-desktop-light');

    const id = /\/chat\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const branch = await api(context, server.url, 'GET', `/api/conversations/${id}/messages`);
    const stored = (
      branch.json.messages as { role: string; status: string; model: string; content: string }[]
    ).at(-1)!;
    expect(stored).toMatchObject({ role: 'assistant', status: 'complete', model: local!.id });
    expect(stored.content.trim().length).toBeGreaterThan(0);
    expect(watch.problems).toEqual([]);
    await context.close();
  });
});

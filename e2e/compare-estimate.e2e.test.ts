import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiServer } from '../packages/server/src/test-support/protocol-servers/openai-server.js';
import { type Account, api, signUpByApi } from './support/auth.js';
import {
  launchBrowser,
  saveViewportScreenshot,
  seriousAxeViolations,
  watchContext,
} from './support/browser.js';
import { OllamaE2eServer } from './support/model-servers.js';
import { type LuminaServer, startLumina } from './support/server.js';

// The compare picker's cost estimate (issue 15 point 8) in a real browser: a priced cloud model,
// an unpriced one and a local one; the figures follow the choice and the draft; nothing is
// shown for local models only; no model is asked anything while choosing.

const person: Account = {
  email: 'grace@example.org',
  password: 'compiler pioneer 1952',
  name: 'Grace Hopper',
};

let server: LuminaServer;
let browser: Browser;
let ollama: OllamaE2eServer;
let cloud: OpenAiServer;
const opened: BrowserContext[] = [];
let providerId = '';
let conversationId = '';

beforeAll(async () => {
  ollama = new OllamaE2eServer();
  ollama.models.push({
    name: 'qwen2.5:3b',
    family: 'qwen2',
    contextLength: 32_768,
    capabilities: ['completion'],
  });
  await ollama.listen();
  cloud = new OpenAiServer('openai');
  cloud.models = [{ id: 'gpt-4o-mini' }, { id: 'gpt-4o' }];
  await cloud.listen();
  server = await startLumina({
    env: {
      OLLAMA_BASE_URL: ollama.origin,
      LUMINA_OLLAMA_AUTODETECT: 'false',
      LUMINA_OUTBOUND_ALLOW: '127.0.0.1',
    },
  });
  browser = await launchBrowser();
  const context = await browser.newContext();
  opened.push(context);
  await signUpByApi(context, server.url, person);
  await api(context, server.url, 'PUT', '/api/settings', { defaultModel: 'ollama/llama3.2:1b' });
  const provider = await api(context, server.url, 'POST', '/api/providers', {
    kind: 'openai',
    name: 'Cloud',
    baseUrl: `${cloud.origin}/v1`,
    apiKey: 'sk-test-0123456789abcdef',
  });
  expect(provider.status).toBe(201);
  providerId = (provider.json.provider as { id: string }).id;
  // $2.50 in, $10 out per million tokens: a reply budget of 1,024 tokens costs at most ≈ $0.01.
  const priced = await api(context, server.url, 'PUT', '/api/admin/pricing', {
    prices: [{ pattern: `${providerId}/gpt-4o-mini`, inputUsdPerMillion: 2.5, outputUsdPerMillion: 10 }],
  });
  expect(priced.status).toBe(200);
  const avatar = await api(context, server.url, 'POST', '/api/avatars', { name: 'Professor Orbit' });
  const created = await api(context, server.url, 'POST', '/api/conversations', {
    avatarId: (avatar.json.avatar as { id: string }).id,
  });
  conversationId = (created.json.conversation as { id: string }).id;
});

afterAll(async () => {
  for (const context of opened) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  await Promise.all([ollama?.close(), cloud?.close()]);
});

describe('compare estimate', () => {
  it('shows what the chosen models would cost, follows the choice, and nothing for local ones', async () => {
    const context = await browser.newContext();
    opened.push(context);
    const watch = watchContext(context);
    await api(context, server.url, 'POST', '/api/auth/login', {
      email: person.email,
      password: person.password,
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/chat/${conversationId}`);
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.waitFor();
    await box.fill('Which planets have rings, and why do they form?');
    const modelCalls = () =>
      cloud.requests.filter((r) => r.path.endsWith('/chat/completions')).length +
      ollama.requests.filter((r) => r.path === '/api/chat').length;
    const before = modelCalls();

    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Compare models' });
    await dialog.waitFor();
    const row = (name: string) => dialog.locator('label').filter({ hasText: name });
    await row('llama3.2:1b').getByRole('checkbox').check();
    await row('gpt-4o-mini').getByRole('checkbox').check();
    const total = dialog.getByText(/^Estimated cost:/);
    await expect
      .poll(() => total.textContent(), { timeout: 10_000 })
      .toMatch(/≈ \$0\.0\d+ – \$0\.01\d*(?! \(updating)/);
    expect(await row('gpt-4o-mini').getByTestId('model-cost').textContent()).toMatch(
      /^≈ \$0\.0\d+ – \$0\.01\d*$/,
    );
    expect(await row('llama3.2:1b').getByTestId('model-cost').count()).toBe(0);

    await row('gpt-4o').filter({ hasNotText: 'mini' }).getByRole('checkbox').check();
    await expect
      .poll(() => row('gpt-4o').filter({ hasNotText: 'mini' }).getByTestId('model-cost').textContent())
      .toBe('price unknown');
    await expect.poll(() => total.textContent()).toContain('+ 1 model with unknown price');
    await saveViewportScreenshot(page, 'compare-picker-estimate');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Local models only: no estimate.
    await row('gpt-4o-mini').getByRole('checkbox').uncheck();
    await row('gpt-4o').filter({ hasNotText: 'mini' }).getByRole('checkbox').uncheck();
    await row('qwen2.5:3b').getByRole('checkbox').check();
    await expect.poll(() => dialog.getByText(/Estimat/).count()).toBe(0);

    // Choosing asked no model anything.
    expect(modelCalls()).toBe(before);
    expect(watch.problems).toEqual([]);
  });
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, api, signInByApi, signUpByApi } from './support/auth.js';
import {
  launchBrowser,
  saveScreenshot,
  saveViewportScreenshot,
  seriousAxeViolations,
  VIEWPORTS,
  watchContext,
} from './support/browser.js';
import { OllamaE2eServer } from './support/model-servers.js';
import { type LuminaServer, startLumina } from './support/server.js';

// Memory and knowledge (issue 13 point 9) in the browser, against the real server and a local
// Ollama protocol server: the avatar's memory inspector (add by hand, edit in place, pin, delete,
// search), Test recall, a text file read into the knowledge tab until it is ready, the
// "Remembered" chip on a reply that used a pinned memory, Settings › Memory with an embedding
// model. Screens at desktop and phone sizes in both themes.

const person: Account = {
  email: 'ada@example.org',
  password: 'analytical engine 1843',
  name: 'Ada Lovelace',
};

let server: LuminaServer;
let ollama: OllamaE2eServer;
let browser: Browser;
let avatarId = '';
let avatarName = '';
let conversationId = '';
const opened: BrowserContext[] = [];

interface MemoryDto {
  id: string;
  content: string;
  kind: string;
  pinned: boolean;
  avatarId: string | null;
}

beforeAll(async () => {
  ollama = await new OllamaE2eServer().listen();
  // An embedding model beside the chat model, as `ollama pull all-minilm` gives.
  ollama.models.push({
    name: 'all-minilm:latest',
    family: 'bert',
    contextLength: 512,
    capabilities: ['embedding'],
  });
  server = await startLumina({ env: { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' } });
  browser = await launchBrowser();
  const setup = await browser.newContext();
  await signUpByApi(setup, server.url, person);
  const models = await api(setup, server.url, 'GET', '/api/models');
  const chat = (models.json.models as { id: string; capabilities: { embeddings: boolean } }[]).find(
    (m) => !m.capabilities.embeddings,
  );
  expect(chat, JSON.stringify(models.json)).toBeTruthy();
  expect((await api(setup, server.url, 'PUT', '/api/settings', { defaultModel: chat!.id })).status).toBe(200);
  const avatars = await api(setup, server.url, 'GET', '/api/avatars');
  const first = (avatars.json.avatars as { id: string; name: string }[])[0]!;
  avatarId = first.id;
  avatarName = first.name;
  const patched = await api(setup, server.url, 'PATCH', `/api/avatars/${avatarId}`, {
    memory: { enabled: true, scope: 'private' },
  });
  expect(patched.status, JSON.stringify(patched.json)).toBe(200);
  const created = await api(setup, server.url, 'POST', '/api/conversations', { avatarId });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  conversationId = (created.json.conversation as { id: string }).id;
  await setup.close();
});

afterAll(async () => {
  for (const context of opened) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  await ollama?.close();
});

async function open({
  viewport = VIEWPORTS.desktop as { width: number; height: number },
  colorScheme = 'light' as 'light' | 'dark',
} = {}): Promise<{ context: BrowserContext; page: Page; watch: { problems: string[] } }> {
  const context = await browser.newContext({ viewport, colorScheme });
  opened.push(context);
  const watch = watchContext(context);
  await signInByApi(context, server.url, person);
  return { context, page: await context.newPage(), watch };
}

const memories = async (context: BrowserContext) =>
  (await api(context, server.url, 'GET', `/api/memories?visibleTo=${avatarId}`)).json.items as MemoryDto[];

describe('memory', () => {
  it('the inspector: empty state, add by hand, edit in place, pin, search, delete', async () => {
    const { context, page, watch } = await open();
    // From the avatar's editor: its Memory section and the button in its header.
    await page.goto(`${server.url}/avatars/${avatarId}`);
    await page.getByRole('switch', { name: 'Remember things about me' }).waitFor();
    expect(
      await page.getByRole('switch', { name: 'Remember things about me' }).getAttribute('aria-checked'),
    ).toBe('true');
    await page.getByRole('link', { name: 'Review memories' }).click();
    await page.waitForURL(`**/avatars/${avatarId}/memory`);
    await page.getByRole('heading', { name: `${avatarName} doesn’t remember anything yet` }).waitFor();
    // No embedding model yet: recall finds words only, and the page says so.
    await page.getByText(/Recall uses full-text search only/).waitFor();
    await saveScreenshot(page, 'memory-empty-desktop-light');

    // Add two by hand.
    await page.getByRole('button', { name: 'Add memory' }).click();
    const form = page.getByRole('form', { name: 'Add a memory' });
    await form.getByLabel(`What should ${avatarName} remember?`).fill('My sister Ana lives in Lisbon.');
    await form.getByLabel('Kind').selectOption('person');
    await form.getByRole('button', { name: 'Add' }).click();
    await form.waitFor({ state: 'detached' });
    await page.getByRole('listitem', { name: 'My sister Ana lives in Lisbon.' }).waitFor();
    await page.getByRole('button', { name: 'Add memory' }).click();
    await form.getByLabel(`What should ${avatarName} remember?`).fill('I take my coffee black.');
    await form.getByLabel('Kind').selectOption('preference');
    await form.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('listitem', { name: 'I take my coffee black.' }).waitFor();
    expect(
      (await page.getByRole('heading', { level: 3 }).allTextContents()).map((t) => t.split(/\d/)[0]),
    ).toEqual(['People', 'Preferences']);
    let stored = await memories(context);
    expect(stored.map((m) => [m.content, m.kind, m.avatarId])).toEqual(
      expect.arrayContaining([
        ['My sister Ana lives in Lisbon.', 'person', avatarId],
        ['I take my coffee black.', 'preference', avatarId],
      ]),
    );

    // Edit in place.
    const ana = page.getByRole('listitem', { name: 'My sister Ana lives in Lisbon.' });
    await ana.hover();
    await ana.getByRole('button', { name: 'Edit' }).click();
    await ana.getByLabel('Memory', { exact: true }).fill('My sister Ana lives in Porto.');
    await ana.getByRole('button', { name: 'Save' }).click();
    const porto = page.getByRole('listitem', { name: 'My sister Ana lives in Porto.' });
    await porto.waitFor();
    await expect
      .poll(async () => (await memories(context)).map((m) => m.content), { timeout: 10_000 })
      .toContain('My sister Ana lives in Porto.');

    // Pin it: always in mind.
    await porto.hover();
    await porto.getByRole('button', { name: 'Pin', exact: true }).click();
    await porto.getByRole('button', { name: 'Unpin' }).waitFor();
    stored = await memories(context);
    expect(stored.find((m) => m.content === 'My sister Ana lives in Porto.')?.pinned).toBe(true);

    // Its history opens (the versions the server keeps).
    await porto.getByRole('button', { name: 'History' }).click();
    await porto.getByRole('button', { name: 'Hide history' }).waitFor();

    // Search.
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('coffee');
    await expect.poll(() => page.getByRole('listitem', { name: /My sister Ana/ }).count()).toBe(0);
    await page.getByRole('listitem', { name: 'I take my coffee black.' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('');
    await porto.waitFor();
    await saveScreenshot(page, 'memory-inspector-desktop-light');

    // Delete with Undo, then for good.
    const coffee = page.getByRole('listitem', { name: 'I take my coffee black.' });
    await coffee.hover();
    await coffee.getByRole('button', { name: 'Delete' }).click();
    await coffee.waitFor({ state: 'detached' });
    await saveViewportScreenshot(page, 'memory-undo-desktop-light');
    await page.getByRole('button', { name: 'Undo' }).click();
    await coffee.waitFor();
    await coffee.hover();
    await coffee.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete now' }).click();
    await expect
      .poll(async () => (await memories(context)).map((m) => m.content), { timeout: 10_000 })
      .not.toContain('I take my coffee black.');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(watch.problems).toEqual([]);
  });

  it('the chat header opens the inspector, and a reply that used a memory shows “Remembered”', async () => {
    const { page, watch } = await open();
    await page.goto(`${server.url}/chat/${conversationId}`);
    await page.locator('article[data-message-id]').first().waitFor();
    ollama.script({
      kind: 'text',
      tokens: ['Say', ' hello', ' to', ' Ana', ' in', ' Porto', '!'],
      delayMs: 20,
    });
    const asked = ollama.requests.length;
    await page.getByRole('textbox', { name: 'Message' }).fill('Any plans for my sister Ana this weekend?');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await page.getByText('Say hello to Ana in Porto!').waitFor();
    // The model was given the pinned memory as a note.
    const chat = ollama.requests.slice(asked).find((r) => r.path === '/api/chat');
    const sent = JSON.stringify((chat!.body as { messages: unknown[] }).messages);
    expect(sent).toContain('My sister Ana lives in Porto.');
    const reply = page.locator('article[data-message-id]').last();
    const chip = reply.getByRole('button', { name: /^Remembered \d/ });
    await chip.waitFor({ timeout: 15_000 });
    await chip.click();
    const menu = page.getByRole('menu');
    await menu.getByText('My sister Ana lives in Porto.').waitFor();
    await saveViewportScreenshot(page, 'memory-remembered-chip-desktop-light');
    await page.keyboard.press('Escape');

    await page.getByRole('link', { name: `What ${avatarName} remembers` }).click();
    await page.waitForURL(`**/avatars/${avatarId}/memory`);
    await page.getByRole('listitem', { name: 'My sister Ana lives in Porto.' }).waitFor();
    expect(watch.problems).toEqual([]);
  });

  it('Test recall shows what the chat would bring to mind', async () => {
    const { page, watch } = await open();
    await page.goto(`${server.url}/avatars/${avatarId}/memory`);
    await page.getByRole('listitem', { name: 'My sister Ana lives in Porto.' }).waitFor();
    await page.getByLabel('Text to recall for').fill('Where does Ana live?');
    await page.getByRole('button', { name: 'Recall', exact: true }).click();
    const results = page.getByRole('list', { name: /^Recalled for/ });
    await results.getByText('My sister Ana lives in Porto.').waitFor({ timeout: 15_000 });
    await saveScreenshot(page, 'memory-test-recall-desktop-light');
    expect(watch.problems).toEqual([]);
  });
});

describe('knowledge', () => {
  it('reads a text file until it is ready, then deletes it', async () => {
    const { context, page, watch } = await open();
    await page.goto(`${server.url}/avatars/${avatarId}/knowledge`);
    await page.getByText(/No documents yet/).waitFor();
    await page.locator('input[type=file]').setInputFiles([
      {
        name: 'lighthouse.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from(
          'The Lumina lighthouse stands on the north cape.\n\nIts lamp was first lit in 1871 and is kept by volunteers.\n',
        ),
      },
      { name: 'holiday.png', mimeType: 'image/png', buffer: Buffer.from('not a document') },
    ]);
    // The picture is refused before it is sent; the text file is read.
    await page.getByText(/Not a supported type/).waitFor();
    const doc = page.getByRole('listitem', { name: 'lighthouse.txt' });
    await doc.waitFor();
    await doc.getByText('Ready').waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'knowledge-ready-desktop-light');
    const listed = await api(context, server.url, 'GET', `/api/avatars/${avatarId}/documents`);
    const stored = (listed.json.documents as { name: string; status: string; chunkCount: number }[])[0];
    expect(stored).toMatchObject({ name: 'lighthouse.txt', status: 'ready' });
    expect(stored!.chunkCount).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Delete lighthouse.txt' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “lighthouse.txt”?' });
    await dialog.getByRole('button', { name: 'Delete document' }).click();
    await doc.waitFor({ state: 'detached' });
    const after = await api(context, server.url, 'GET', `/api/avatars/${avatarId}/documents`);
    expect(after.json.documents).toEqual([]);
    expect(watch.problems).toEqual([]);
  });
});

describe('settings', () => {
  it('Settings › Memory: choosing an embedding model shows the embedding progress', async () => {
    const { context, page, watch } = await open();
    await page.goto(`${server.url}/settings/memory`);
    const select = page.getByLabel('Embedding model');
    await select.waitFor();
    const options = await select.locator('option').allTextContents();
    expect(options[0]).toBe('None — full-text search only');
    expect(options.some((o) => o.includes('all-minilm'))).toBe(true);
    expect(options.some((o) => o.includes('llama3.2'))).toBe(false);
    await select.selectOption({ index: 1 });
    await page
      .getByRole('progressbar', { name: 'Embedded' })
      .or(page.getByText('Nothing to embed yet.'))
      .first()
      .waitFor();
    const saved = await api(context, server.url, 'GET', '/api/settings/memory');
    expect(String(saved.json.embeddingModel)).toContain('all-minilm');
    await saveScreenshot(page, 'memory-settings-desktop-light');
    // The inspector no longer warns about words-only recall.
    await page.goto(`${server.url}/avatars/${avatarId}/memory`);
    await page.getByRole('listitem', { name: 'My sister Ana lives in Porto.' }).waitFor();
    expect(await page.getByText(/Recall uses full-text search only/).count()).toBe(0);
    expect(watch.problems).toEqual([]);
  });
});

describe('screens', () => {
  for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`at ${viewportName} size in ${colorScheme} mode: axe-clean, no sideways scrolling`, async () => {
        const { page, watch } = await open({ viewport, colorScheme });
        const suffix = `${viewportName}-${colorScheme}`;
        const check = async (name: string) => {
          await page.evaluate(() => document.fonts.ready.then(() => undefined));
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
          const violations = await seriousAxeViolations(page);
          expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
        };
        await page.goto(`${server.url}/avatars/${avatarId}/memory`);
        await page.getByRole('listitem', { name: 'My sister Ana lives in Porto.' }).waitFor();
        await check('memory inspector');
        await saveScreenshot(page, `memory-inspector-${suffix}`);

        await page.goto(`${server.url}/avatars/${avatarId}/knowledge`);
        await page.getByText(/Drop files here/).waitFor();
        await check('knowledge');
        await saveScreenshot(page, `knowledge-${suffix}`);

        await page.goto(`${server.url}/settings/memory`);
        await page.getByLabel('Embedding model').waitFor();
        await check('settings');
        await saveScreenshot(page, `memory-settings-${suffix}`);

        await page.goto(`${server.url}/chat/${conversationId}`);
        const chip = page.getByRole('button', { name: /^Remembered \d/ }).last();
        await chip.waitFor();
        await chip.click();
        await page.getByRole('menu').waitFor();
        await saveViewportScreenshot(page, `memory-chip-${suffix}`);
        expect(watch.problems).toEqual([]);
      });
    }
  }
});

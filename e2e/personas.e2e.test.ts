import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
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

// Personas (issue 12 point 11) in the browser: a persona made with a picture in Settings →
// Profile, chosen for one conversation under "Prompt for this conversation"; the model is told
// the persona's name and the picture shows beside the person's messages; "Your account" is a
// choice of its own beside a default persona. Screens at desktop and phone sizes in both themes.

const person: Account = {
  email: 'grace@example.org',
  password: 'compiler pioneer 1952',
  name: 'Grace Hopper',
};

let server: LuminaServer;
let ollama: OllamaE2eServer;
let browser: Browser;
let conversationId = '';
const opened: BrowserContext[] = [];

beforeAll(async () => {
  ollama = await new OllamaE2eServer().listen();
  server = await startLumina({ env: { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' } });
  browser = await launchBrowser();
  const setup = await browser.newContext();
  await signUpByApi(setup, server.url, person);
  const avatars = await api(setup, server.url, 'GET', '/api/avatars');
  const avatarId = (avatars.json.avatars as { id: string }[])[0]!.id;
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

/** A small picture: a navy disc on gold, as a PNG a person might pick. */
const portrait = () =>
  sharp({ create: { width: 320, height: 320, channels: 3, background: '#e0b040' } })
    .composite([
      {
        input: Buffer.from(
          '<svg width="320" height="320"><circle cx="160" cy="140" r="90" fill="#1d2b53"/></svg>',
        ),
      },
    ])
    .png()
    .toBuffer();

const messages = (page: Page) => page.locator('article[data-message-id]');

describe('personas', () => {
  it('a persona with a picture, chosen for a conversation: the model hears its name, its picture shows by the messages', async () => {
    const { context, page, watch } = await open();
    await page.goto(`${server.url}/settings/profile`);
    await page.getByRole('button', { name: 'New persona' }).click();
    const dialog = page.getByRole('dialog', { name: 'New persona' });
    await dialog.getByLabel(/^Name/).fill('Captain Grace');
    await dialog.getByLabel('Description').fill('Commands a ship and writes compilers between watches.');
    await dialog
      .getByLabel('Persona picture')
      .setInputFiles({ name: 'grace.png', mimeType: 'image/png', buffer: await portrait() });
    await dialog.getByRole('button', { name: 'Change picture' }).waitFor();
    await saveViewportScreenshot(page, 'persona-dialog-picture-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    const list = page.getByRole('list', { name: 'Personas' });
    await expect
      .poll(() => list.locator('img[src^="/api/settings/personas/"]').count(), { timeout: 10_000 })
      .toBe(1);
    // The served picture is the re-encoded 512×512 WebP.
    const src = await list.locator('img').first().getAttribute('src');
    const served = await context.request.get(`${server.url}${src}`);
    expect(served.headers()['content-type']).toBe('image/webp');
    expect(await sharp(await served.body()).metadata()).toMatchObject({ width: 512, height: 512 });

    // Chosen for the conversation: the model is told the persona's name; its picture is by the message.
    await page.goto(`${server.url}/chat/${conversationId}`);
    await messages(page).first().waitFor();
    await page.getByRole('button', { name: 'Prompt for this conversation' }).click();
    const prompt = page.getByRole('dialog', { name: 'Prompt for this conversation' });
    await prompt.getByLabel('You are').selectOption({ label: 'Captain Grace' });
    await prompt.getByRole('button', { name: 'Save' }).click();
    await prompt.waitFor({ state: 'detached' });
    ollama.script({ kind: 'text', tokens: ['Aye', ', Captain', ' Grace', '.'], delayMs: 20 });
    const asked = ollama.requests.length;
    await page.getByRole('textbox', { name: 'Message' }).fill('Where are we headed?');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await page.getByText('Aye, Captain Grace.').waitFor();
    const chat = ollama.requests.slice(asked).find((r) => r.path === '/api/chat');
    const sent = (chat!.body as { messages: { role: string; content: string }[] }).messages;
    expect(sent[0]!.content).toContain('You are talking with Captain Grace.');
    const mine = messages(page).filter({ hasText: 'Where are we headed?' });
    await expect.poll(() => mine.getByTestId('persona-picture').count()).toBe(1);

    // With a default persona, "Your account" is still a choice: then no persona picture.
    await page.goto(`${server.url}/settings/profile`);
    await page.getByRole('button', { name: 'Make Captain Grace the default' }).click();
    await page.getByText('Default', { exact: true }).waitFor();
    await page.goto(`${server.url}/chat/${conversationId}`);
    await messages(page).first().waitFor();
    await page.getByRole('button', { name: 'Prompt for this conversation' }).click();
    await prompt.getByLabel('You are').selectOption('account');
    await prompt.getByRole('button', { name: 'Save' }).click();
    await prompt.waitFor({ state: 'detached' });
    await expect.poll(() => mine.getByTestId('persona-picture').count()).toBe(0);
    const context2 = await api(context, server.url, 'GET', `/api/conversations/${conversationId}/context`);
    expect((context2.json.parts as { text: string }[])[0]!.text).toMatch(
      /You are talking with Grace( Hopper)?\./,
    );
    // Back to the persona for the screens below.
    await page.getByRole('button', { name: 'Prompt for this conversation' }).click();
    await prompt.getByLabel('You are').selectOption({ label: 'Captain Grace' });
    await prompt.getByRole('button', { name: 'Save' }).click();
    await prompt.waitFor({ state: 'detached' });
    await expect.poll(() => mine.getByTestId('persona-picture').count()).toBe(1);
    expect(watch.problems).toEqual([]);
  });

  for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`screens at ${viewportName} size in ${colorScheme} mode: axe-clean, no sideways scrolling`, async () => {
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
        await page.goto(`${server.url}/settings/profile`);
        await page.getByRole('list', { name: 'Personas' }).locator('img').first().waitFor();
        await page.getByRole('heading', { name: 'Personas' }).scrollIntoViewIfNeeded();
        await check('personas');
        await saveScreenshot(page, `personas-pictures-${suffix}`);

        await page.goto(`${server.url}/chat/${conversationId}`);
        await page.getByTestId('persona-picture').first().waitFor();
        await check('chat with a persona');
        await saveViewportScreenshot(page, `chat-persona-${suffix}`);
        expect(watch.problems).toEqual([]);
      });
    }
  }
});

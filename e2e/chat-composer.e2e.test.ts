import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, api, signInByApi, signUpByApi } from './support/auth.js';
import {
  launchBrowser,
  saveViewportScreenshot,
  seriousAxeViolations,
  VIEWPORTS,
  watchContext,
} from './support/browser.js';
import { OllamaE2eServer } from './support/model-servers.js';
import { type LuminaServer, startLumina } from './support/server.js';

// The message box never loses what was typed, in a real browser against a real Lumina: with no
// model set up, with the network cut, with the server gone, and over the length limit (where a
// counter shows and Send is off). A local Ollama protocol server is the model once one is set.

const person: Account = { email: 'grace@example.org', password: 'compiler pioneer 1952', name: 'Grace' };
const LOCAL_MODEL = 'ollama/llama3.2:1b';
/** Small, so the tests type little; the server's default is 32,000. */
const LIMIT = 300;

let server: LuminaServer;
let browser: Browser;
let ollama: OllamaE2eServer;
const opened: BrowserContext[] = [];
let conversationId = '';

beforeAll(async () => {
  ollama = await new OllamaE2eServer().listen();
  server = await startLumina({
    env: {
      OLLAMA_BASE_URL: ollama.origin,
      LUMINA_OLLAMA_AUTODETECT: 'false',
      CHAT_MAX_MESSAGE_CHARS: String(LIMIT),
    },
  });
  browser = await launchBrowser();
  const context = await browser.newContext();
  opened.push(context);
  await signUpByApi(context, server.url, person);
  const avatars = await api(context, server.url, 'GET', '/api/avatars');
  const avatarId = (avatars.json.avatars as { id: string }[])[0]!.id;
  const created = await api(context, server.url, 'POST', '/api/conversations', { avatarId });
  conversationId = (created.json.conversation as { id: string }).id;
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
} = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  opened.push(context);
  const watch = watchContext(context);
  await signInByApi(context, server.url, person);
  const page = await context.newPage();
  await page.goto(`${server.url}/chat/${conversationId}`);
  await page.locator('article[data-message-id]').first().waitFor();
  return { context, page, watch };
}

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const sendButton = (page: Page) => page.getByRole('button', { name: 'Send', exact: true });
const alert = (page: Page) => page.getByRole('alert').filter({ hasText: 'Not sent.' });
const userMessages = (page: Page) =>
  page.locator('article[data-message-id]:not([data-message-id^="pending:"])');

/** Counts the sends the page makes (POST …/messages), to show that none went out. */
function countSends(page: Page) {
  const sends: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && /\/api\/conversations\/[^/]+\/messages$/.test(request.url()))
      sends.push(request.url());
  });
  return sends;
}

describe('the message box keeps what was typed', () => {
  it('counts toward the server’s limit from 90%, and over it turns Send off (light, dark, phone)', async () => {
    const looks = [
      { name: 'desktop-light', viewport: VIEWPORTS.desktop, colorScheme: 'light' as const },
      { name: 'desktop-dark', viewport: VIEWPORTS.desktop, colorScheme: 'dark' as const },
      { name: 'phone-light', viewport: VIEWPORTS.phone, colorScheme: 'light' as const },
      { name: 'phone-dark', viewport: VIEWPORTS.phone, colorScheme: 'dark' as const },
    ];
    for (const look of looks) {
      const { page, watch } = await open(look);
      const sends = countSends(page);
      await composer(page).fill('a'.repeat(LIMIT * 0.9 - 1));
      expect(await page.getByText(`/ ${LIMIT}`).count()).toBe(0);
      await composer(page).fill('a'.repeat(LIMIT * 0.9));
      await page.getByText(`270 / ${LIMIT}`).waitFor();
      expect(await sendButton(page).isEnabled()).toBe(true);
      await saveViewportScreenshot(page, `chat-composer-counter-${look.name}`);

      // Counted as the server counts: an emoji is two UTF-16 code units.
      await composer(page).fill('😀'.repeat(LIMIT / 2));
      await page.getByText(`300 / ${LIMIT}`).waitFor();
      expect(await sendButton(page).isEnabled()).toBe(true);
      await composer(page).fill(`${'😀'.repeat(LIMIT / 2)}!`);
      await page.getByText(`301 / ${LIMIT} · 1 too many, shorten it to send`).waitFor();
      expect(await sendButton(page).isDisabled()).toBe(true);
      expect(await sendButton(page).getAttribute('title')).toBe(
        'Too long to send: shorten it to 300 characters',
      );
      expect(await composer(page).getAttribute('aria-invalid')).toBe('true');
      await composer(page).press('Enter');
      await saveViewportScreenshot(page, `chat-composer-over-limit-${look.name}`);
      expect(sends).toEqual([]);
      expect(await composer(page).inputValue()).toBe(`${'😀'.repeat(LIMIT / 2)}!`);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(watch.problems).toEqual([]);
      // The draft is saved: clear it so the next look starts empty.
      await composer(page).fill('');
    }
  });

  it('with its model gone: not sent, the text stays through a reload; once a model is set it goes', async () => {
    const { context, page, watch } = await open();
    // The person's default names a model of a provider that was removed.
    expect(
      (
        await api(context, server.url, 'PUT', '/api/settings', {
          defaultModel: 'removed-provider/some-model',
        })
      ).status,
    ).toBe(200);
    const before = await userMessages(page).count();
    await composer(page).fill('What did the first compiler compile?');
    await composer(page).press('Enter');
    await alert(page)
      .getByText(/Not sent\./)
      .waitFor();
    expect(await composer(page).inputValue()).toBe('What did the first compiler compile?');
    await saveViewportScreenshot(page, 'chat-composer-no-model-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // A reload (or a crash) does not lose it: the draft is kept per conversation.
    await page.reload();
    await page.locator('article[data-message-id]').first().waitFor();
    expect(await composer(page).inputValue()).toBe('What did the first compiler compile?');
    expect(await userMessages(page).count()).toBe(before);

    // With a model, the same text is sent; the box empties once the server stored it.
    expect(
      (await api(context, server.url, 'PUT', '/api/settings', { defaultModel: LOCAL_MODEL })).status,
    ).toBe(200);
    await composer(page).press('Enter');
    await expect.poll(() => composer(page).inputValue()).toBe('');
    await expect.poll(() => userMessages(page).count(), { timeout: 15_000 }).toBe(before + 2);
    await page.reload();
    await page.locator('article[data-message-id]').first().waitFor();
    expect(await composer(page).inputValue()).toBe('');
    expect(watch.problems).toEqual([]);
  });

  it('with the network cut: not sent, Try again sends it when the network is back (dark, phone)', async () => {
    const { page, watch } = await open({ viewport: VIEWPORTS.phone, colorScheme: 'dark' });
    const cut = /\/api\/conversations\/[^/]+\/messages$/;
    await page.route(cut, (route) =>
      route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue(),
    );
    await composer(page).fill('Is the network there?');
    await composer(page).press('Enter');
    await alert(page)
      .getByText(/Can’t reach the Lumina server/)
      .waitFor();
    expect(await composer(page).inputValue()).toBe('Is the network there?');
    expect(await page.locator('article[data-message-id^="pending:"]').count()).toBe(0);
    await saveViewportScreenshot(page, 'chat-composer-network-error-phone-dark');
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.unroute(cut);
    await alert(page).getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => composer(page).inputValue()).toBe('');
    await expect.poll(() => alert(page).count()).toBe(0);
    expect(watch.problems).toEqual([]);
  });

  // Last: it stops the server.
  it('with the server gone: not sent, the text stays', async () => {
    const { page } = await open();
    await composer(page).fill('Anyone home?');
    await server.stop();
    await composer(page).press('Enter');
    await alert(page)
      .getByText(/Can’t reach the Lumina server/)
      .waitFor();
    expect(await composer(page).inputValue()).toBe('Anyone home?');
    await saveViewportScreenshot(page, 'chat-composer-server-gone-desktop-light');
  });
});

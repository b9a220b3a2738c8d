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

// Incognito chats (issue 13 point 8) in the browser against the real server and a local Ollama
// protocol server: the switch on the new-chat page, the banner in the chat, never in the sidebar,
// "End now" deletes it, and signing out deletes the ones left. Screens in both themes and on a
// phone, axe.

const person: Account = {
  email: 'ada@example.org',
  password: 'analytical engine 1843',
  name: 'Ada Lovelace',
};
const HEADLINE = 'Incognito — not saved, not remembered';

let server: LuminaServer;
let ollama: OllamaE2eServer;
let browser: Browser;
let avatarId = '';
const opened: BrowserContext[] = [];

beforeAll(async () => {
  ollama = await new OllamaE2eServer().listen();
  ollama.defaultReply = { kind: 'text', tokens: ['Your', ' secret', ' is', ' safe', '.'], delayMs: 20 };
  server = await startLumina({ env: { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' } });
  browser = await launchBrowser();
  const setup = await browser.newContext();
  await signUpByApi(setup, server.url, person);
  const avatars = await api(setup, server.url, 'GET', '/api/avatars');
  avatarId = (avatars.json.avatars as { id: string }[])[0]!.id;
  await setup.close();
});

afterAll(async () => {
  for (const context of opened) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  await ollama?.close();
});

async function open(
  viewport: { width: number; height: number } = VIEWPORTS.desktop,
  colorScheme: 'light' | 'dark' = 'light',
): Promise<{ context: BrowserContext; page: Page; watch: { problems: string[] } }> {
  const context = await browser.newContext({ viewport, colorScheme });
  opened.push(context);
  const watch = watchContext(context);
  await signInByApi(context, server.url, person);
  return { context, page: await context.newPage(), watch };
}

/** Starts an incognito chat from the new-chat page with `text`; returns its id. */
async function startIncognito(page: Page, text: string): Promise<string> {
  await page.goto(`${server.url}/chat/new?avatar=${avatarId}`);
  const toggle = page.getByRole('switch', { name: /Incognito/ });
  await toggle.click();
  await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('true');
  await page.getByRole('region', { name: 'Incognito' }).getByText(HEADLINE).waitFor();
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
  await page.getByText('Your secret is safe.').waitFor({ timeout: 15_000 });
  return /\/chat\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
}

describe('incognito chats', () => {
  it('starts one with the switch, marks it with the banner, keeps it out of the sidebar, and ends it', async () => {
    const { context, page, watch } = await open();
    const id = await startIncognito(page, 'A secret between us');
    const banner = page.getByRole('region', { name: 'Incognito' });
    await banner.getByText(HEADLINE).waitFor();
    // A reload keeps the chat and its banner; the sidebar never lists it.
    await page.reload();
    await banner.getByText(HEADLINE).waitFor();
    await page.getByText('A secret between us').waitFor();
    expect(await page.locator(`a[href="/chat/${id}"]`).count()).toBe(0);
    const listed = await api(context, server.url, 'GET', '/api/conversations');
    expect((listed.json.conversations as { id: string }[]).map((c) => c.id)).not.toContain(id);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveViewportScreenshot(page, 'incognito-chat-desktop-light');

    await banner.getByRole('button', { name: 'End now' }).click();
    const dialog = page.getByRole('dialog', { name: 'End this incognito chat?' });
    await dialog.getByRole('button', { name: 'End and delete' }).click();
    await page.waitForURL(/\/chat\/new\?avatar=.*&incognito=1$/);
    await expect
      .poll(() => page.getByRole('switch', { name: /Incognito/ }).getAttribute('aria-checked'))
      .toBe('true');
    expect((await api(context, server.url, 'GET', `/api/conversations/${id}`)).status).toBe(404);
    expect(watch.problems).toEqual([]);
  });

  it('signing out deletes the incognito chats left open', async () => {
    const { context, page, watch } = await open();
    const id = await startIncognito(page, 'Forget me at sign-out');
    expect((await api(context, server.url, 'GET', `/api/conversations/${id}`)).status).toBe(200);
    expect((await api(context, server.url, 'POST', '/api/auth/logout')).status).toBe(204);
    const again = await browser.newContext();
    opened.push(again);
    await signInByApi(again, server.url, person);
    expect((await api(again, server.url, 'GET', `/api/conversations/${id}`)).status).toBe(404);
    expect(watch.problems).toEqual([]);
  });

  it('reads well on a phone and in the dark theme', async () => {
    for (const [name, viewport, scheme] of [
      ['phone-light', VIEWPORTS.phone, 'light'],
      ['desktop-dark', VIEWPORTS.desktop, 'dark'],
    ] as const) {
      const { page, watch } = await open(viewport, scheme);
      await page.goto(`${server.url}/chat/new?avatar=${avatarId}&incognito=1`);
      await page.getByRole('region', { name: 'Incognito' }).getByText(HEADLINE).waitFor();
      expect(await page.getByRole('switch', { name: /Incognito/ }).getAttribute('aria-checked')).toBe('true');
      // Nothing runs off the side of the screen.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await saveViewportScreenshot(page, `incognito-new-chat-${name}`);
      expect(watch.problems).toEqual([]);
    }
  });
});

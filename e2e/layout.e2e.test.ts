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

// Layout and keys in a real browser: collapsible sidebars, focus mode, the avatar search of
// "New chat", the keyboard-shortcut sheet, ↑ to edit, Ctrl/Cmd+Shift+O, greetings as Markdown,
// and long names that never push a phone's screen sideways, in light and dark.

const person: Account = { email: 'grace@example.org', password: 'flow-matic compiler', name: 'Grace Hopper' };
const LOCAL_MODEL = 'ollama/llama3.2:1b';
const LONG_NAME = 'Bartholomew Maximilian Featherstonehaugh-Wolstenholme the Third of Greater Manchester';
const LONG_TITLE =
  'A very long conversation title about the Analytical Engine, punched cards, Jacquard looms and Bernoulli numbers';
const UNBROKEN = 'Supercalifragilisticexpialidocious_Pneumonoultramicroscopicsilicovolcanoconiosis';

let server: LuminaServer;
let browser: Browser;
let ollama: OllamaE2eServer;
const opened: BrowserContext[] = [];
let userId = '';
let longId = '';
let unbrokenId = '';
let conversationId = '';

beforeAll(async () => {
  ollama = await new OllamaE2eServer().listen();
  ollama.defaultReply = { kind: 'text', tokens: ['The', ' Engine', ' computes', '.'], delayMs: 5 };
  server = await startLumina({ env: { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' } });
  browser = await launchBrowser();
  const context = await browser.newContext();
  opened.push(context);
  userId = (await signUpByApi(context, server.url, person)).id;
  expect((await api(context, server.url, 'PUT', '/api/settings', { defaultModel: LOCAL_MODEL })).status).toBe(
    200,
  );
  const long = await api(context, server.url, 'POST', '/api/avatars', {
    name: LONG_NAME,
    nickname: 'Barty the Magnificent, Keeper of Extraordinarily Long Names',
    description: 'A gentleman with a name that does not fit anywhere.',
    greeting: 'Good day, **{{user}}**! I am *{{char}}*.\n\n- Tea?\n- Or `coffee`?',
    tags: ['verbose', 'british'],
  });
  longId = (long.json.avatar as { id: string }).id;
  const unbroken = await api(context, server.url, 'POST', '/api/avatars', { name: UNBROKEN });
  unbrokenId = (unbroken.json.avatar as { id: string }).id;
  const created = await api(context, server.url, 'POST', '/api/conversations', { avatarId: longId });
  conversationId = (created.json.conversation as { id: string }).id;
  // The reply streams as Server-Sent Events: read to the end, so the reply is stored.
  const sent = await context.request.post(`${server.url}/api/conversations/${conversationId}/messages`, {
    headers: { 'x-lumina-csrf': '1' },
    data: { content: 'Tell me about the Analytical Engine' },
  });
  expect(sent.status()).toBe(200);
  await sent.text();
  await api(context, server.url, 'PATCH', `/api/conversations/${conversationId}`, { title: LONG_TITLE });
}, 180_000);

afterAll(async () => {
  for (const context of opened) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  await ollama?.close();
});

async function open({
  viewport = VIEWPORTS.desktop as { width: number; height: number },
  colorScheme = 'light' as 'light' | 'dark',
} = {}): Promise<{ page: Page; watch: { problems: string[] } }> {
  const context = await browser.newContext({ viewport, colorScheme });
  opened.push(context);
  const watch = watchContext(context);
  await signInByApi(context, server.url, person);
  // The long-named avatar is the active one.
  await context.addInitScript(
    ([key, id]) => {
      // Not on about:blank, which has no storage.
      if (location.protocol.startsWith('http') && !localStorage.getItem(key!))
        localStorage.setItem(key!, id!);
    },
    [`lumina.activeAvatar.${userId}`, longId],
  );
  const page = await context.newPage();
  return { page, watch };
}

/**
 * What sticks out of the screen sideways and is not clipped by a container that is itself on
 * screen (a scroller, a truncating box): each as "tag: text".
 */
async function sticksOut(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const width = document.documentElement.clientWidth;
    for (const element of document.querySelectorAll<HTMLElement>('body *')) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (box.right <= width + 1 && box.left >= -1) continue;
      if (element.closest('.sr-only')) continue;
      let parent = element.parentElement;
      let clipped = false;
      while (parent && parent !== document.body) {
        if (getComputedStyle(parent).overflowX !== 'visible') {
          const outer = parent.getBoundingClientRect();
          if (outer.right <= width + 1 && outer.left >= -1) {
            clipped = true;
            break;
          }
        }
        parent = parent.parentElement;
      }
      if (!clipped)
        found.push(`${element.tagName.toLowerCase()}: ${(element.textContent ?? '').slice(0, 50)}`);
    }
    return found;
  });
}

async function noSidewaysScroll(page: Page, where: string) {
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    `${where} scrolls sideways`,
  ).toBeLessThanOrEqual(0);
  expect(await sticksOut(page), `${where}: sticks out`).toEqual([]);
}

async function axeClean(page: Page, where: string) {
  expect(await seriousAxeViolations(page), where).toEqual([]);
}

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });

describe('layout and keys', () => {
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      const tag = `${size}-${colorScheme}`;
      it(`long names fit, greetings are Markdown, search and the shortcut sheet work (${tag})`, async () => {
        const { page, watch } = await open({ viewport, colorScheme });

        // Home: the active avatar's card, its greeting as Markdown.
        await page.goto(server.url);
        const greeting = page.getByTestId('active-greeting');
        await greeting.locator('strong', { hasText: 'Grace' }).waitFor();
        expect(await greeting.locator('li').count()).toBe(2);
        await noSidewaysScroll(page, `home ${tag}`);
        await saveScreenshot(page, `layout-home-${tag}`);

        // The gallery's cards.
        await page.goto(`${server.url}/avatars`);
        await page.getByRole('link', { name: LONG_NAME }).waitFor();
        await noSidewaysScroll(page, `avatars ${tag}`);
        await saveScreenshot(page, `layout-avatars-${tag}`);

        // The chat start (the list on phones) and the conversation with the long title.
        await page.goto(`${server.url}/chat`);
        await page.getByRole('link', { name: new RegExp(LONG_TITLE.slice(0, 30)) }).waitFor();
        if (size === 'desktop') await page.getByTestId('start-greeting').locator('strong').waitFor();
        await noSidewaysScroll(page, `chat start ${tag}`);
        await saveScreenshot(page, `layout-chat-start-${tag}`);

        await page.goto(`${server.url}/chat/${conversationId}`);
        await page.getByRole('heading', { level: 1, name: LONG_TITLE }).waitFor();
        await page.locator('article[data-message-id]').nth(2).waitFor();
        await page.locator('article[data-message-id]').first().locator('strong').waitFor();
        await noSidewaysScroll(page, `conversation ${tag}`);
        await saveViewportScreenshot(page, `layout-conversation-${tag}`);
        await axeClean(page, `conversation ${tag}`);

        // New chat with…: a search field filters the avatars; an empty state when none match.
        if (size === 'phone') {
          await page.getByRole('button', { name: 'Open chats' }).click();
        }
        await page.getByRole('button', { name: 'New chat with another avatar' }).click();
        const search = page.getByRole('combobox', { name: 'Search avatars' });
        await search.waitFor();
        expect(await search.evaluate((el) => el === document.activeElement)).toBe(true);
        await search.fill('super');
        await expect.poll(() => page.getByRole('option').count()).toBe(1);
        await noSidewaysScroll(page, `avatar search ${tag}`);
        await saveViewportScreenshot(page, `layout-new-chat-search-${tag}`);
        await axeClean(page, `avatar search ${tag}`);
        await search.fill('nobody at all');
        await page.getByText('No avatar matches “nobody at all”.').waitFor();
        await saveViewportScreenshot(page, `layout-new-chat-empty-${tag}`);
        await search.fill('barty');
        await search.press('Enter');
        await page.waitForURL(`${server.url}/chat/new?avatar=${longId}`);
        await page
          .getByRole('article', { name: /greeting/ })
          .locator('strong')
          .waitFor();
        // The new chat is the page (on phones too, where the list is then a drawer).
        const top = (await page.getByRole('heading', { level: 1, name: 'New chat' }).boundingBox())?.y ?? -1;
        expect(top).toBeGreaterThanOrEqual(0);
        expect(top).toBeLessThan(viewport.height / 3);
        await noSidewaysScroll(page, `new conversation ${tag}`);
        await saveViewportScreenshot(page, `layout-new-conversation-${tag}`);

        // The shortcut sheet: Ctrl+/ opens it, every shortcut listed, Escape closes it.
        await page.keyboard.press('Control+/');
        const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
        await sheet.getByText('Edit your last message').waitFor();
        await noSidewaysScroll(page, `shortcut sheet ${tag}`);
        await saveViewportScreenshot(page, `layout-shortcuts-${tag}`);
        await axeClean(page, `shortcut sheet ${tag}`);
        await page.keyboard.press('Escape');
        await sheet.waitFor({ state: 'detached' });

        // A name with nowhere to break still fits.
        await page.goto(`${server.url}/chat/new?avatar=${unbrokenId}`);
        await page.getByText(`with ${UNBROKEN}`).waitFor();
        await noSidewaysScroll(page, `unbroken name ${tag}`);
        expect(watch.problems).toEqual([]);
      });
    }
  }

  it('collapses both sidebars (kept after a reload), focus mode and Esc, on a desktop', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, watch } = await open({ colorScheme });
      await page.goto(`${server.url}/chat/${conversationId}`);
      await page.getByRole('heading', { level: 1, name: LONG_TITLE }).waitFor();
      const main = page.getByRole('navigation', { name: 'Main' });

      await page.getByRole('button', { name: 'Collapse sidebar' }).click();
      await page.getByRole('button', { name: 'Collapse chat list' }).click();
      await page.getByRole('button', { name: 'Expand chat list' }).waitFor();
      expect(Math.round((await main.boundingBox())?.width ?? 0)).toBeLessThanOrEqual(64);
      await page.reload();
      await page.getByRole('heading', { level: 1, name: LONG_TITLE }).waitFor();
      await page.getByRole('button', { name: 'Expand sidebar' }).waitFor();
      await page.getByRole('button', { name: 'Expand chat list' }).waitFor();
      await saveViewportScreenshot(page, `layout-collapsed-desktop-${colorScheme}`);
      await axeClean(page, `collapsed ${colorScheme}`);

      // Focus mode: only the conversation; Esc brings the frame back.
      await page.keyboard.press('Control+Shift+F');
      await main.waitFor({ state: 'hidden' });
      expect(await page.getByRole('complementary', { name: 'Chats' }).count()).toBe(0);
      const header = await page.getByRole('heading', { level: 1, name: LONG_TITLE }).boundingBox();
      expect(header?.x ?? 999).toBeLessThan(120);
      await saveViewportScreenshot(page, `layout-focus-desktop-${colorScheme}`);
      await axeClean(page, `focus mode ${colorScheme}`);
      await page.locator('body').press('Escape');
      await main.waitFor({ state: 'visible' });

      await page.getByRole('button', { name: 'Expand sidebar' }).click();
      await page.getByRole('button', { name: 'Expand chat list' }).click();
      await page.getByRole('button', { name: 'Collapse chat list' }).waitFor();
      expect(watch.problems).toEqual([]);
    }
  });

  it('↑ in the empty box edits the last message; Ctrl+Shift+O starts a new chat', async () => {
    const { page, watch } = await open();
    await page.goto(`${server.url}/chat/${conversationId}`);
    await composer(page).waitFor();
    await composer(page).click();
    await composer(page).press('ArrowUp');
    const edit = page.getByRole('textbox', { name: 'Edit your message' });
    await edit.waitFor();
    expect(await edit.inputValue()).toBe('Tell me about the Analytical Engine');
    expect(await edit.evaluate((el) => el === document.activeElement)).toBe(true);
    await saveViewportScreenshot(page, 'layout-edit-last-desktop-light');
    await edit.press('Escape');
    await edit.waitFor({ state: 'detached' });
    await expect.poll(() => composer(page).evaluate((el) => el === document.activeElement)).toBe(true);

    await page.keyboard.press('Control+Shift+O');
    await page.waitForURL(`${server.url}/chat/new?avatar=${longId}`);
    expect(watch.problems).toEqual([]);
  });
});

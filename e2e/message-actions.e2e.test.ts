import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, api, signUpByApi } from './support/auth.js';
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

// Message actions in a real browser (issue 12 point 10): a reply's text edited in place, one
// message deleted (what followed moves up), and "Impersonate" writing the person's next message
// into the box; desktop and phone, light and dark.

const person: Account = {
  email: 'grace@example.org',
  password: 'compiler pioneer 1952',
  name: 'Grace Hopper',
};

let server: LuminaServer;
let browser: Browser;
let ollama: OllamaE2eServer;
const opened: BrowserContext[] = [];
let avatarId = '';

beforeAll(async () => {
  ollama = await new OllamaE2eServer().listen();
  server = await startLumina({ env: { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' } });
  browser = await launchBrowser();
  const context = await browser.newContext();
  opened.push(context);
  await signUpByApi(context, server.url, person);
  const avatar = await api(context, server.url, 'POST', '/api/avatars', {
    name: 'Captain Nova',
    greeting: 'Welcome aboard, {{user}}. Where shall we fly today?',
  });
  avatarId = (avatar.json.avatar as { id: string }).id;
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
  await api(context, server.url, 'POST', '/api/auth/login', {
    email: person.email,
    password: person.password,
  });
  const page = await context.newPage();
  return { context, page, watch };
}

const messages = (page: Page) => page.locator('article[data-message-id]');
const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });

/** A conversation with the greeting and one exchange, opened in the page. */
async function conversationWithExchange(context: BrowserContext, page: Page, reply: string[]) {
  const created = await api(context, server.url, 'POST', '/api/conversations', { avatarId });
  const id = (created.json.conversation as { id: string }).id;
  ollama.script({ kind: 'text', tokens: reply });
  // The stream's body is read to its end by the request helper.
  await context.request.fetch(`${server.url}/api/conversations/${id}/messages`, {
    method: 'POST',
    headers: { 'x-lumina-csrf': '1' },
    data: { content: 'Take us to the rings of Saturn.' },
  });
  await page.goto(`${server.url}/chat/${id}`);
  await expect.poll(() => messages(page).count()).toBe(3);
  return id;
}

describe('message actions', () => {
  it('edits a reply in place: the typo is fixed, no new alternative, the original text is gone', async () => {
    const { context, page, watch } = await open();
    const id = await conversationWithExchange(context, page, ['Setting corse', ' for Saturn', '.']);
    const reply = messages(page).last();
    await expect.poll(() => reply.textContent()).toContain('Setting corse for Saturn.');
    await reply.hover();
    await reply.getByRole('button', { name: 'Edit reply' }).click();
    const field = page.getByRole('textbox', { name: 'Edit the reply' });
    await field.waitFor();
    await saveScreenshot(page, 'chat-edit-reply-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await field.fill('Setting course for Saturn.');
    await field.press('Control+Enter');
    await expect.poll(() => reply.textContent()).toContain('Setting course for Saturn.');
    await expect.poll(() => page.getByRole('textbox', { name: 'Edit the reply' }).count()).toBe(0);
    // Still one reply: no `< 1/2 >`.
    expect(await reply.getByText(/\d\/\d/).count()).toBe(0);
    const branch = await api(context, server.url, 'GET', `/api/conversations/${id}/messages`);
    const stored = (branch.json.messages as { content: string; siblingIds: string[] }[]).at(-1)!;
    expect(stored).toMatchObject({ content: 'Setting course for Saturn.' });
    expect(stored.siblingIds).toHaveLength(1);
    const search = await api(context, server.url, 'GET', '/api/search?q=corse');
    expect(search.json.hits).toEqual([]);
    expect(watch.problems).toEqual([]);
  });

  it('deletes one message: the confirm says what goes, and the reply after it stays', async () => {
    const { context, page, watch } = await open();
    await conversationWithExchange(context, page, ['Rings ahead, Captain.']);
    const question = messages(page).nth(1);
    await question.hover();
    await question.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('menuitem', { name: /Delete message/ }).waitFor();
    await saveViewportScreenshot(page, 'chat-delete-menu-desktop-light');
    await page.getByRole('menuitem', { name: /Delete message/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this message?' });
    await dialog.getByText(/The messages after it stay/).waitFor();
    await saveViewportScreenshot(page, 'chat-delete-message-dialog-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => messages(page).count()).toBe(2);
    await expect.poll(() => messages(page).last().textContent()).toContain('Rings ahead, Captain.');
    expect(await page.getByText('Take us to the rings of Saturn.').count()).toBe(0);
    expect(watch.problems).toEqual([]);
  });

  it('impersonates: the model writes the person’s next message into the box, to edit and send', async () => {
    const { context, page, watch } = await open();
    await conversationWithExchange(context, page, ['Saturn it is.']);
    ollama.script({
      kind: 'text',
      tokens: ['Grace', ':', ' Let us', ' land', ' on Titan', ' first.'],
      delayMs: 60,
    });
    await page.getByRole('button', { name: 'Impersonate' }).click();
    await page.getByRole('button', { name: 'Stop writing' }).waitFor();
    await expect
      .poll(() => composer(page).inputValue(), { timeout: 15_000 })
      .toBe('Let us land on Titan first.');
    await page.getByRole('button', { name: 'Impersonate' }).waitFor();
    await expect
      .poll(() =>
        page.evaluate(
          () => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName,
        ),
      )
      .toBe('TEXTAREA');
    await saveScreenshot(page, 'chat-impersonate-desktop-light');
    // Nothing was sent: the conversation has its three messages, the text waits in the box.
    expect(await messages(page).count()).toBe(3);
    await composer(page).press('End');
    await composer(page).pressSequentially(' Please.');
    await composer(page).press('Enter');
    await expect.poll(() => messages(page).count(), { timeout: 15_000 }).toBe(5);
    await expect
      .poll(() => messages(page).nth(3).textContent())
      .toContain('Let us land on Titan first. Please.');

    await expect
      .poll(() => messages(page).last().getAttribute('data-status'), { timeout: 15_000 })
      .toBe('complete');
    // The shortcut works too, and a model failure is told in words.
    ollama.script({ kind: 'http-error', status: 500 }, { kind: 'http-error', status: 500 });
    await composer(page).press('Control+Shift+Y');
    await page.getByText(/Your message couldn’t be written/).waitFor();
    await saveScreenshot(page, 'chat-impersonate-error-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(watch.problems.filter((p) => !/500|impersonate/.test(p))).toEqual([]);
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const size of ['desktop', 'phone'] as const) {
      it(`${size} (${colorScheme}): editing a reply, the delete menu and an impersonated message fit`, async () => {
        const { context, page, watch } = await open({ viewport: VIEWPORTS[size], colorScheme });
        await conversationWithExchange(context, page, [
          'A long reply about the **rings**: ice, dust and rock, spread thin across thousands of kilometres.',
        ]);
        const reply = messages(page).last();
        await reply.getByRole('button', { name: 'Edit reply' }).click();
        await page.getByRole('textbox', { name: 'Edit the reply' }).waitFor();
        await saveViewportScreenshot(page, `chat-edit-reply-${size}-${colorScheme}`);
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(
          true,
        );
        await page.getByRole('button', { name: 'Cancel' }).click();

        await reply.getByRole('button', { name: 'Delete…' }).click();
        await page.getByRole('menuitem', { name: /Delete from here/ }).waitFor();
        await saveViewportScreenshot(page, `chat-delete-menu-${size}-${colorScheme}`);
        await page.keyboard.press('Escape');

        ollama.script({ kind: 'text', tokens: ['Can we see the hexagon at the north pole?'] });
        await page.getByRole('button', { name: 'Impersonate' }).click();
        await expect.poll(() => composer(page).inputValue(), { timeout: 15_000 }).toContain('hexagon');
        await page.getByRole('button', { name: 'Impersonate' }).waitFor();
        await saveViewportScreenshot(page, `chat-impersonate-${size}-${colorScheme}`);
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(
          true,
        );
        expect(await seriousAxeViolations(page)).toEqual([]);
        expect(watch.problems).toEqual([]);
      });
    }
  }
});

import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, api, signInByApi } from './support/auth.js';
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

// The chat flow in a real browser against a real Lumina, with a local Ollama protocol server as
// the model: start, stream, stop, regenerate, edit, fork, organise, search, export, XSS, phone.

const person: Account = { email: 'ada@example.org', password: 'analytical engine 3', name: 'Ada Lovelace' };
const LOCAL_MODEL = 'ollama/llama3.2:1b';

let server: LuminaServer;
let browser: Browser;
let ollama: OllamaE2eServer;
const opened: BrowserContext[] = [];

beforeAll(async () => {
  ollama = await new OllamaE2eServer().listen();
  ollama.defaultReply = {
    kind: 'text',
    tokens: ['Hello', ',', ' I am', ' a', ' local', ' model', '.'],
    delayMs: 30,
  };
  server = await startLumina({ env: { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' } });
  browser = await launchBrowser();
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
  const page = await context.newPage();
  return { context, page, watch };
}

const messages = (page: Page) => page.locator('article[data-message-id]');
const lastMessage = (page: Page) => messages(page).last();
const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });

async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

/**
 * Waits until the last message is a reply other than `before` (the last one before the action)
 * that has finished, and returns its text.
 */
async function settledReply(page: Page, before?: string | null): Promise<string> {
  if (before !== undefined)
    await expect
      .poll(() => lastMessage(page).getAttribute('data-message-id'), { timeout: 15_000 })
      .not.toBe(before);
  await expect
    .poll(() => lastMessage(page).getAttribute('data-status'), { timeout: 15_000 })
    .not.toBe('streaming');
  await expect.poll(() => lastMessage(page).getAttribute('data-message-id')).not.toMatch(/^pending:/);
  return (await lastMessage(page).textContent()) ?? '';
}

async function conversationIdOf(page: Page): Promise<string> {
  const match = /\/chat\/([0-9a-f-]{36})/.exec(page.url());
  if (!match) throw new Error(`not on a conversation page: ${page.url()}`);
  return match[1]!;
}

async function rowMenu(page: Page, title: string): Promise<Locator> {
  await page.getByRole('button', { name: `More for ${title}` }).click();
  return page.getByRole('menu');
}

describe('chat', () => {
  it('signs up, and Home’s main path starts a conversation whose first message is the greeting', async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    opened.push(context);
    const watch = watchContext(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/signup`);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Name', { exact: true }).fill(person.name);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: /Create/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Welcome, Ada' }).waitFor();
    const set = await api(context, server.url, 'PUT', '/api/settings', { defaultModel: LOCAL_MODEL });
    expect(set.status).toBe(200);

    // The navigation has Chat; Home offers to start one with the active avatar (Lumina).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Chat with Lumina' }).waitFor();
    await saveScreenshot(page, 'home-chat-desktop-light');
    await page.getByRole('button', { name: 'Start a conversation' }).click();
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    const id = await conversationIdOf(page);

    const branch = await api(context, server.url, 'GET', `/api/conversations/${id}/messages`);
    const greeting = (branch.json.messages as { content: string; role: string }[])[0]!;
    expect(greeting.role).toBe('assistant');
    await expect.poll(() => messages(page).count()).toBe(1);
    await expect.poll(() => messages(page).first().textContent()).toContain(greeting.content.slice(0, 20));
    expect(greeting.content).toContain('Ada');
    await expect
      .poll(() =>
        page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.id),
      )
      .toBeTruthy();
    expect(watch.problems).toEqual([]);
  });

  it('sends with Enter, streams the reply as it arrives, shows its details, and names the conversation', async () => {
    const { page, watch } = await open();
    await page.goto(`${server.url}/chat`);
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').first().click();
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    await messages(page).first().waitFor();

    ollama.script({
      kind: 'text',
      tokens: [
        'Light',
        'houses',
        ' guide',
        ' ships',
        ' **safely**',
        ' home',
        '.',
        '\n\n',
        '```js',
        '\nconst beam = 1;',
        '\n```',
      ],
      delayMs: 120,
    });
    // Shift+Enter makes a new line; Enter sends.
    await composer(page).fill('Tell me about lighthouses');
    await composer(page).press('Shift+Enter');
    await composer(page).pressSequentially('please');
    expect(await composer(page).inputValue()).toBe('Tell me about lighthouses\nplease');
    const greetingId = await lastMessage(page).getAttribute('data-message-id');
    await composer(page).press('Enter');
    expect(await composer(page).inputValue()).toBe('');

    // The text appears while it is being written, before the reply has finished.
    await expect.poll(() => lastMessage(page).textContent(), { timeout: 10_000 }).toContain('Lighthouses');
    expect(await lastMessage(page).getAttribute('data-status')).toBe('streaming');
    await page.getByRole('button', { name: 'Stop the reply' }).waitFor();
    const text = await settledReply(page, greetingId);
    expect(text).toContain('Lighthouses guide ships safely home.');
    expect(await lastMessage(page).locator('strong').textContent()).toBe('safely');
    // The code block has its language and a copy button.
    await lastMessage(page).getByRole('button', { name: 'Copy js code' }).waitFor();
    // Details: model, tokens, time to first token, duration.
    const details = lastMessage(page).locator('dl');
    await expect.poll(() => details.textContent()).toContain(LOCAL_MODEL);
    expect(await details.textContent()).toMatch(/First token/);
    expect(await details.textContent()).toMatch(/Took/);
    // The person's message, above it.
    expect(await messages(page).nth(1).textContent()).toContain('Tell me about lighthouses');
    // The automatic title (made by the model after the first exchange) names the conversation.
    await page.getByRole('heading', { level: 1, name: 'Hello, I am a local model' }).waitFor();
    await page
      .getByRole('navigation', { name: 'Conversations' })
      .getByText('Hello, I am a local model')
      .waitFor();
    await saveScreenshot(page, 'chat-reply-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(watch.problems).toEqual([]);
  });

  it('stops a reply mid-stream with Esc (text so far kept, marked Stopped), then regenerates: < 2/2 >', async () => {
    const { page, watch } = await open();
    await page.goto(`${server.url}/chat`);
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').first().click();
    await messages(page).nth(2).waitFor();

    ollama.script({ kind: 'text', tokens: Array.from({ length: 60 }, (_, i) => ` word${i}`), delayMs: 150 });
    await send(page, 'Count slowly to sixty');
    await expect.poll(() => lastMessage(page).textContent(), { timeout: 10_000 }).toContain('word2');
    await saveViewportScreenshot(page, 'chat-streaming-desktop-light');
    await composer(page).press('Escape');
    await expect
      .poll(() => lastMessage(page).getAttribute('data-status'), { timeout: 10_000 })
      .toBe('cancelled');
    await lastMessage(page).getByText('Stopped', { exact: true }).waitFor();
    const stopped = (await lastMessage(page).textContent()) ?? '';
    expect(stopped).toContain('word1');
    expect(stopped).not.toContain('word59');
    await expect.poll(() => ollama.lastRequest('/api/chat').clientAborted, { timeout: 5000 }).toBe(true);

    // Regenerate: a second reply next to the first, with the navigator.
    const cancelledId = await lastMessage(page).getAttribute('data-message-id');
    await lastMessage(page).getByRole('button', { name: 'Regenerate reply' }).click();
    expect(await settledReply(page, cancelledId)).toContain('Hello, I am a local model.');
    const navigator = lastMessage(page).getByRole('group', { name: 'Alternative 2 of 2' });
    await navigator.waitFor();
    await navigator.getByRole('button', { name: 'Previous alternative' }).click();
    await lastMessage(page).getByRole('group', { name: 'Alternative 1 of 2' }).waitFor();
    await expect.poll(() => lastMessage(page).textContent()).toContain('word1');
    await lastMessage(page).getByRole('button', { name: 'Next alternative' }).click();
    await lastMessage(page).getByRole('group', { name: 'Alternative 2 of 2' }).waitFor();
    await expect.poll(() => lastMessage(page).textContent()).toContain('Hello, I am a local model.');
    expect(watch.problems).toEqual([]);
  });

  it('edits a user message (a sibling question and a new reply), then forks from it', async () => {
    const { page, watch } = await open();
    await page.goto(`${server.url}/chat`);
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').first().click();
    await messages(page).nth(4).waitFor();
    const original = await conversationIdOf(page);

    const question = messages(page).nth(3);
    expect(await question.textContent()).toContain('Count slowly to sixty');
    await question.hover();
    await question.getByRole('button', { name: 'Edit message' }).click();
    const box = page.getByRole('textbox', { name: 'Edit your message' });
    await box.fill('Count to three');
    ollama.script({ kind: 'text', tokens: ['One', ',', ' two', ',', ' three', '.'], delayMs: 30 });
    const previousReply = await lastMessage(page).getAttribute('data-message-id');
    await page.getByRole('button', { name: 'Save and send' }).click();
    expect(await settledReply(page, previousReply)).toContain('One, two, three.');
    const edited = messages(page).nth(3);
    expect(await edited.textContent()).toContain('Count to three');
    await edited.getByRole('group', { name: 'Alternative 2 of 2' }).waitFor();
    await expect.poll(() => messages(page).count()).toBe(5);

    // Fork at the edited question: a new conversation holding the path up to it.
    await edited.hover();
    await edited.getByRole('button', { name: 'Fork from here' }).click();
    await page.waitForURL(
      (url) => /\/chat\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(original),
    );
    await expect.poll(() => messages(page).count()).toBe(4);
    expect(await lastMessage(page).textContent()).toContain('Count to three');
    expect(watch.problems).toEqual([]);
  });
});

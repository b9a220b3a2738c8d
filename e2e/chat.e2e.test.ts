import type { Browser, BrowserContext, Page } from 'playwright-core';
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
/** The conversation most tests continue, and the one forked from it. */
let mainId = '';
let forkId = '';

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

/**
 * Sends the first message from the new-conversation page (which stores nothing before it) and
 * waits for the conversation it creates; returns the greeting's id (the last message before).
 */
async function sendFirst(page: Page, text: string): Promise<string | null> {
  await page.waitForURL(/\/chat\/new\?avatar=/);
  await send(page, text);
  await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
  await messages(page).first().waitFor();
  return messages(page).first().getAttribute('data-message-id');
}

async function conversationIdOf(page: Page): Promise<string> {
  const match = /\/chat\/([0-9a-f-]{36})/.exec(page.url());
  if (!match) throw new Error(`not on a conversation page: ${page.url()}`);
  return match[1]!;
}

describe('chat', () => {
  it('signs up, and Home’s main path opens a new conversation with the greeting, stored only on the first message; no settings needed', async () => {
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
    // A new member touches no settings: the instance's only model answers (chosen automatically).
    const models = await api(context, server.url, 'GET', '/api/models');
    expect(models.json.defaultModel).toEqual({ id: LOCAL_MODEL, source: 'automatic' });

    // The navigation has Chat; Home offers to start one with the active avatar (Lumina).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Chat with Lumina' }).waitFor();
    await saveScreenshot(page, 'home-chat-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Start a conversation' }).click();
    await page.waitForURL(/\/chat\/new\?avatar=/);

    // Nothing is stored before the first message: the greeting comes from the avatar, names filled in.
    const greeting = page.getByRole('article', { name: 'Lumina’s greeting' });
    await expect.poll(() => greeting.textContent()).toContain('Ada');
    const listed = await api(context, server.url, 'GET', '/api/conversations');
    expect(listed.json.conversations).toEqual([]);
    await saveScreenshot(page, 'chat-new-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
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
    await page.getByRole('link', { name: 'Start a conversation' }).click();

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
    // The next model call writes the automatic title.
    ollama.script({ kind: 'text', tokens: ['Light', 'houses', ' at', ' sea'] });
    // Shift+Enter makes a new line; Enter sends.
    await composer(page).fill('Tell me about lighthouses');
    await composer(page).press('Shift+Enter');
    await composer(page).pressSequentially('please');
    expect(await composer(page).inputValue()).toBe('Tell me about lighthouses\nplease');
    await composer(page).press('Enter');
    // The first message stores the conversation (with its greeting) and is sent there.
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    mainId = await conversationIdOf(page);
    await messages(page).first().waitFor();
    const greetingId = await messages(page).first().getAttribute('data-message-id');
    // The box empties once the server has stored the message (not before: a failed send keeps it).
    // The conversation page loads alongside this first send: it took ~1.6 s here.
    await expect.poll(() => composer(page).inputValue(), { timeout: 10_000 }).toBe('');

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
    await page.getByRole('heading', { level: 1, name: 'Lighthouses at sea' }).waitFor();
    await page.getByRole('navigation', { name: 'Conversations' }).getByText('Lighthouses at sea').waitFor();
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
    forkId = await conversationIdOf(page);
    expect(watch.problems).toEqual([]);
  });

  it('picks a reply that is still being written up again after a reload', async () => {
    const { page, watch } = await open();
    await page.goto(`${server.url}/chat/${mainId}`);
    await messages(page).first().waitFor();
    const tokens = Array.from({ length: 30 }, (_, i) => ` t${i}`);
    ollama.script({ kind: 'text', tokens, delayMs: 120 });
    const before = await lastMessage(page).getAttribute('data-message-id');
    await send(page, 'Say thirty things');
    await expect.poll(() => lastMessage(page).textContent(), { timeout: 10_000 }).toContain('t3');
    await page.reload();
    await expect
      .poll(() => lastMessage(page).getAttribute('data-status'), { timeout: 10_000 })
      .toBe('streaming');
    await page.getByRole('button', { name: 'Stop the reply' }).waitFor();
    await saveViewportScreenshot(page, 'chat-resumed-desktop-light');
    const text = await settledReply(page, before).catch(async (error) => {
      await saveViewportScreenshot(page, 'chat-resume-failed');
      throw error;
    });
    // Every word once, in order: the replay did not double what was shown before.
    expect(text).toContain(tokens.join('').trim());
    expect(text.match(/ t5 /g)).toHaveLength(1);
    expect(await lastMessage(page).getAttribute('data-status')).toBe('complete');
    expect(watch.problems).toEqual([]);
  });

  it('organises conversations: rename, tags and tag filter, pin, archive, delete with Undo', async () => {
    const { context, page, watch } = await open();
    await page.goto(`${server.url}/chat/${forkId}`);
    await messages(page).first().waitFor();
    const list = page.getByRole('navigation', { name: 'Conversations' });
    const row = list.locator('li', { has: page.locator(`a[href="/chat/${forkId}"]`) });
    const menuOf = async () => {
      await row.hover();
      await row.getByRole('button', { name: /^More for/ }).click();
      return page.getByRole('menu');
    };

    await (await menuOf()).getByRole('menuitem', { name: 'Rename…' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename conversation' });
    await rename.getByLabel('Title').fill('Counting practice');
    await rename.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { level: 1, name: 'Counting practice' }).waitFor();
    await row.getByText('Counting practice').waitFor();

    await (await menuOf()).getByRole('menuitem', { name: 'Tags…' }).click();
    const tagsDialog = page.getByRole('dialog', { name: 'Tags' });
    await tagsDialog.getByLabel('Tags', { exact: true }).fill('math');
    await tagsDialog.getByLabel('Tags', { exact: true }).press('Enter');
    await tagsDialog.getByRole('button', { name: 'Save tags' }).click();
    await row.getByText('#math').waitFor();

    await (await menuOf()).getByRole('menuitem', { name: 'Pin' }).click();
    await page.getByRole('region', { name: 'Pinned' }).getByText('Counting practice').waitFor();
    await saveScreenshot(page, 'chat-pinned-desktop-light');

    // Filter by tag: only the tagged conversation is listed.
    await page.getByRole('button', { name: 'Filters' }).click();
    await page.getByLabel('Tag', { exact: true }).selectOption('math');
    await expect.poll(() => list.getByRole('link').count()).toBe(1);
    await page.getByLabel('Tag', { exact: true }).selectOption('');
    await expect.poll(() => list.getByRole('link').count()).toBeGreaterThan(1);

    // Archive hides it; "Show archived" lists it again.
    await (await menuOf()).getByRole('menuitem', { name: 'Archive' }).click();
    await expect.poll(() => row.count()).toBe(0);
    await page.getByLabel('Show archived conversations').check();
    await row.waitFor();
    await (await menuOf()).getByRole('menuitem', { name: 'Unarchive' }).click();
    await page.getByLabel('Show archived conversations').uncheck();
    await row.waitFor();

    // Delete: hidden at once, Undo brings it back, nothing was deleted on the server.
    await (await menuOf()).getByRole('menuitem', { name: 'Delete' }).click();
    await page.waitForURL(`${server.url}/chat`);
    const toast = page.getByRole('status').filter({ hasText: 'Deleted “Counting practice”' });
    await toast.waitFor();
    await saveViewportScreenshot(page, 'chat-delete-undo-desktop-light');
    expect(await row.count()).toBe(0);
    await toast.getByRole('button', { name: 'Undo' }).click();
    await row.waitFor();
    expect((await api(context, server.url, 'GET', `/api/conversations/${forkId}`)).status).toBe(200);

    // Delete again and let the toast run out: then it is gone on the server too.
    await (await menuOf()).getByRole('menuitem', { name: 'Delete' }).click();
    await toast.waitFor();
    expect((await api(context, server.url, 'GET', `/api/conversations/${forkId}`)).status).toBe(200);
    await expect
      .poll(async () => (await api(context, server.url, 'GET', `/api/conversations/${forkId}`)).status, {
        timeout: 12_000,
        interval: 500,
      })
      .toBe(404);

    // A delete still waiting when the page goes away is sent on the way out (keepalive).
    const spare = await api(context, server.url, 'POST', '/api/conversations', {
      avatarId: (
        (await api(context, server.url, 'GET', `/api/conversations/${mainId}`)).json.conversation as {
          avatarId: string;
        }
      ).avatarId,
      title: 'Throwaway',
    });
    const spareId = (spare.json.conversation as { id: string }).id;
    await page.reload();
    const spareRow = list.locator('li', { has: page.locator(`a[href="/chat/${spareId}"]`) });
    await spareRow.hover();
    await spareRow.getByRole('button', { name: /^More for/ }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted “Throwaway”' }).waitFor();
    await page.goto(`${server.url}/status`);
    await expect
      .poll(async () => (await api(context, server.url, 'GET', `/api/conversations/${spareId}`)).status, {
        timeout: 5000,
      })
      .toBe(404);
    expect(watch.problems).toEqual([]);
  });

  it('Ctrl+K searches every message; a hit on another branch opens that branch at the message', async () => {
    const { page, watch } = await open();
    await page.goto(`${server.url}/chat/${mainId}`);
    await messages(page).first().waitFor();
    await page.keyboard.press('Control+k');
    const search = page.getByRole('searchbox', { name: 'Search messages' });
    await expect.poll(() => search.evaluate((el) => el === document.activeElement)).toBe(true);
    // The question that was edited away ("Count slowly to sixty") is not on the visible branch.
    expect(await page.locator('article', { hasText: 'Count slowly to sixty' }).count()).toBe(0);
    await search.fill('sixty');
    const results = page.getByRole('region', { name: 'Search results' });
    const hit = results.getByRole('button', { name: /Count slowly to sixty/ });
    await hit.waitFor();
    expect(await hit.locator('mark').first().textContent()).toBe('sixty');
    await saveScreenshot(page, 'chat-search-desktop-light');
    await hit.click();
    await page.waitForURL(/\?message=/);
    const messageId = new URL(page.url()).searchParams.get('message')!;
    const target = page.locator(`article[data-message-id="${messageId}"]`);
    await target.waitFor();
    expect(await target.textContent()).toContain('Count slowly to sixty');
    await target.getByRole('group', { name: 'Alternative 1 of 2' }).waitFor();
    await expect.poll(() => target.getAttribute('class')).toContain('ring-2');
    await expect
      .poll(() =>
        target.evaluate((el) => {
          const box = el.getBoundingClientRect();
          return box.top >= 0 && box.bottom <= window.innerHeight;
        }),
      )
      .toBe(true);
    expect(watch.problems).toEqual([]);
  });

  it('exports Markdown and Lumina JSON, and imports a dropped file', async () => {
    const { page, watch } = await open();
    await page.goto(`${server.url}/chat/${mainId}`);
    await messages(page).first().waitFor();
    const row = page
      .getByRole('navigation', { name: 'Conversations' })
      .locator('li', { has: page.locator(`a[href="/chat/${mainId}"]`) });
    const exportAs = async (name: RegExp) => {
      await row.hover();
      await row.getByRole('button', { name: /^More for/ }).click();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('menuitem', { name }).click(),
      ]);
      const file = await download.path();
      return {
        name: download.suggestedFilename(),
        text: await import('node:fs/promises').then((fs) => fs.readFile(file!, 'utf8')),
      };
    };
    const markdown = await exportAs(/^Markdown/);
    expect(markdown.name).toMatch(/\.md$/);
    expect(markdown.text).toContain('Tell me about lighthouses');
    const json = await exportAs(/^Lumina JSON/);
    expect(json.name).toMatch(/\.json$/);
    expect(JSON.parse(json.text)).toBeTruthy();

    // Drop the exported file on the list: it comes back as a new conversation.
    await page.evaluate(
      ({ text, name }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], name, { type: 'application/json' }));
        const target = document.querySelector('aside[aria-label="Chats"] > div')!;
        for (const type of ['dragenter', 'dragover', 'drop'])
          target.dispatchEvent(
            new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }),
          );
      },
      { text: json.text, name: json.name },
    );
    await page.getByText('Imported 1 conversation.').waitFor();
    await page.waitForURL(
      (url) => /\/chat\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(mainId),
    );
    await expect
      .poll(() => page.locator('article', { hasText: 'Tell me about lighthouses' }).count())
      .toBe(1);
    expect(watch.problems).toEqual([]);
  });

  it('shows an XSS attempt in a message and in a reply as inert text', async () => {
    const { page, watch } = await open();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${server.url}/chat`);
    await page.getByRole('button', { name: 'New chat', exact: true }).click();
    const payload = '<img src=x onerror=alert(1)> <script>alert(2)</script> [click me](javascript:alert(3))';
    ollama.script({
      kind: 'text',
      tokens: [
        'Echo: ',
        '<img src=x onerror=alert(4)>',
        ' <script>alert(5)</script>',
        ' [tap](javascript:alert(6))',
        ' ![pic](https://evil.example/x.png)',
      ],
      delayMs: 20,
    });
    const before = await sendFirst(page, payload);
    const reply = await settledReply(page, before);
    expect(reply).toContain('<img src=x onerror=alert(4)>');
    expect(reply).toContain('<script>alert(5)</script>');
    const question = messages(page).nth(1);
    expect(await question.textContent()).toContain(payload);
    const thread = page.locator('article[data-message-id]');
    expect(await thread.locator('.md img, [onerror], script, iframe').count()).toBe(0);
    expect(await thread.locator('a[href^="javascript"]').count()).toBe(0);
    expect(await thread.locator('a[href="https://evil.example/x.png"]').count()).toBe(1);
    // Every <img> left in the thread is an avatar picture from this server.
    for (const src of await thread
      .locator('img')
      .evaluateAll((els) => els.map((el) => (el as HTMLImageElement).src)))
      expect(src.startsWith(server.url)).toBe(true);
    // The javascript: link is plain text, so a click has nothing to follow…
    const tap = lastMessage(page).getByText('tap');
    expect(await tap.evaluate((el) => [el.tagName, el.closest('a')])).toEqual(['SPAN', null]);
    const url = page.url();
    await tap.click();
    // …and opens nothing: a dialog from the click would come from a task queued by it, before a
    // marker dialog the page raises from a task queued after the click. Wait for the marker.
    await page.evaluate(() => {
      setTimeout(() => alert('marker'));
    });
    await expect.poll(() => dialogs.length).toBeGreaterThan(0);
    expect(dialogs).toEqual(['marker']);
    expect(page.url()).toBe(url);
    await saveScreenshot(page, 'chat-xss-inert-desktop-light');
    expect(watch.problems).toEqual([]);
  });

  it('a reply cut off mid-way shows its error and partial text with Try again; Delete from here; the model picker', async () => {
    const { context, page, watch } = await open();
    await page.goto(`${server.url}/chat/${mainId}`);
    await messages(page).first().waitFor();
    const count = await messages(page).count();

    ollama.script({ kind: 'cut', tokens: ['Half', ' an', ' answer'] });
    const before = await lastMessage(page).getAttribute('data-message-id');
    await send(page, 'Tell me a long story');
    await settledReply(page, before);
    expect(await lastMessage(page).getAttribute('data-status')).toBe('error');
    const failure = lastMessage(page).getByRole('alert');
    await expect.poll(() => failure.textContent()).toMatch(/^The reply failed part-way: /);
    expect(await lastMessage(page).textContent()).toContain('Half an answer');
    await saveScreenshot(page, 'chat-reply-error-desktop-light');

    // Try again: a new reply next to the failed one.
    const failedId = await lastMessage(page).getAttribute('data-message-id');
    await failure.getByRole('button', { name: 'Try again' }).click();
    expect(await settledReply(page, failedId)).toContain('Hello, I am a local model.');
    await lastMessage(page).getByRole('group', { name: 'Alternative 2 of 2' }).waitFor();

    // Delete from the question down: the branch ends where it was before.
    const question = messages(page).nth(count);
    await question.hover();
    await question.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('menuitem', { name: /Delete from here/ }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete from here?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => messages(page).count()).toBe(count);
    expect(await page.locator('article', { hasText: 'Tell me a long story' }).count()).toBe(0);

    // The conversation's own model.
    await page.getByRole('button', { name: /Model for this conversation/ }).click();
    await page.getByRole('option', { name: /^llama3\.2:1b/ }).click();
    await expect
      .poll(async () => {
        const answer = await api(context, server.url, 'GET', `/api/conversations/${mainId}`);
        return (answer.json.conversation as { model: string | null }).model;
      })
      .toBe(LOCAL_MODEL);
    expect(watch.problems).toEqual([]);
  });

  it('the conversation’s own prompt: a system prompt and an author’s note the model receives', async () => {
    const { page, watch } = await open();
    await page.goto(`${server.url}/chat/${mainId}`);
    await messages(page).last().waitFor();
    await page.getByRole('button', { name: 'Prompt for this conversation' }).click();
    const dialog = page.getByRole('dialog', { name: 'Prompt for this conversation' });
    await dialog.getByLabel('System prompt').fill('{{original}} Today {{char}} speaks like a sea captain.');
    await dialog.getByLabel('Author’s note').fill('[Answer in one sentence.]');
    await dialog.getByLabel('Depth').fill('0');
    await dialog.getByText('What the next reply is sent').waitFor();
    await saveScreenshot(page, 'chat-prompt-dialog-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.count()).toBe(0);

    ollama.script({ kind: 'text', tokens: ['Aye', ', captain', '.'], delayMs: 20 });
    const before = await lastMessage(page).getAttribute('data-message-id');
    const asked = ollama.requests.length;
    await send(page, 'How is the weather?');
    expect(await settledReply(page, before)).toContain('Aye, captain.');
    const chat = ollama.requests.slice(asked).find((r) => r.path === '/api/chat');
    expect(chat).toBeDefined();
    const sent = (chat!.body as { messages: { role: string; content: string }[] }).messages;
    expect(sent[0]!.content).toContain('Today Lumina speaks like a sea captain.');
    expect(sent.at(-1)).toEqual({ role: 'system', content: '[Answer in one sentence.]' });

    // Opened again, the inspector shows the note where it lands, last.
    await page.getByRole('button', { name: 'Prompt for this conversation' }).click();
    await expect.poll(() => dialog.locator('li').last().textContent()).toContain('Author’s note');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(watch.problems).toEqual([]);
  });

  it('dark mode: the conversation reads well and is axe-clean', async () => {
    const { page, watch } = await open({ colorScheme: 'dark' });
    await page.goto(`${server.url}/chat/${mainId}`);
    // The events stream stays open (no network idle): the last message and the fonts settle it.
    await messages(page).last().waitFor();
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    await saveViewportScreenshot(page, 'chat-conversation-desktop-dark');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.goto(`${server.url}/chat`);
    await page.getByRole('link', { name: 'Start a conversation' }).waitFor();
    await saveViewportScreenshot(page, 'chat-start-desktop-dark');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(watch.problems).toEqual([]);
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`phone (${colorScheme}): the list is the page, a conversation fits the screen, the list is a drawer`, async () => {
      const { page, watch } = await open({ viewport: VIEWPORTS.phone, colorScheme });
      await page.goto(`${server.url}/chat`);
      await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
      await page.getByRole('button', { name: 'New chat', exact: true }).waitFor();
      await saveViewportScreenshot(page, `chat-list-phone-${colorScheme}`);
      expect(await seriousAxeViolations(page)).toEqual([]);

      await page.goto(`${server.url}/chat/${mainId}`);
      await messages(page).first().waitFor();
      // The page keeps the conversation's events stream open, so the network never goes idle:
      // wait for the last message and the fonts, which is what the width depends on.
      await messages(page).last().waitFor();
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await saveViewportScreenshot(page, `chat-conversation-phone-${colorScheme}`);
      expect(await seriousAxeViolations(page)).toEqual([]);

      if (colorScheme === 'light') {
        ollama.script({ kind: 'text', tokens: ['Short', ' and', ' sweet', '.'], delayMs: 20 });
        const before = await lastMessage(page).getAttribute('data-message-id');
        await send(page, 'A short one please');
        expect(await settledReply(page, before)).toContain('Short and sweet.');
      }

      // The conversation's prompt dialog is a sheet on a phone.
      await page.getByRole('button', { name: 'Prompt for this conversation' }).click();
      await page
        .getByRole('dialog', { name: 'Prompt for this conversation' })
        .getByText('What the next reply is sent')
        .waitFor();
      await saveViewportScreenshot(page, `chat-prompt-dialog-phone-${colorScheme}`);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await page.keyboard.press('Escape');

      await page.getByRole('button', { name: 'Open chats' }).click();
      const drawer = page.getByRole('dialog', { name: 'Chats' });
      await drawer.getByRole('navigation', { name: 'Conversations' }).waitFor();
      await saveViewportScreenshot(page, `chat-drawer-phone-${colorScheme}`);
      await drawer.getByRole('link').first().click();
      await expect.poll(() => drawer.count()).toBe(0);
      expect(watch.problems).toEqual([]);
    });
  }
});

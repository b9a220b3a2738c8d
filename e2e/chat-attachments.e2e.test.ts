import fs from 'node:fs';
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

// Attachments in a real browser against a real Lumina (the built bundle): pictures and documents
// picked with the paperclip, pasted and dropped, uploaded with their chips, sent to a local
// Ollama protocol server that can see (it receives the picture and the documents' text), and
// refused before sending when the conversation's model cannot see pictures.

const person: Account = { email: 'hedy@example.org', password: 'frequency hopping 1942', name: 'Hedy' };
const VISION_MODEL = 'ollama/llava:7b';

const fixture = (name: string) =>
  fs.readFileSync(new URL(`../packages/server/src/attachments/fixtures/${name}`, import.meta.url));

let server: LuminaServer;
let browser: Browser;
let ollama: OllamaE2eServer;
const opened: BrowserContext[] = [];
let avatarId = '';
/** A picture drawn in the browser (a gradient with shapes), as PNG bytes. */
let photo: Buffer;

beforeAll(async () => {
  ollama = await new OllamaE2eServer().listen();
  ollama.models.push({
    name: 'llava:7b',
    family: 'llava',
    contextLength: 8192,
    capabilities: ['completion', 'vision'],
  });
  ollama.defaultReply = {
    kind: 'text',
    tokens: ['I see', ' a sunset', ' over', ' two hills', ', and', ' your notes.'],
    delayMs: 20,
  };
  server = await startLumina({
    env: { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' },
  });
  browser = await launchBrowser();
  const context = await browser.newContext();
  opened.push(context);
  await signUpByApi(context, server.url, person);
  expect(
    (await api(context, server.url, 'PUT', '/api/settings', { defaultModel: VISION_MODEL })).status,
  ).toBe(200);
  const avatars = await api(context, server.url, 'GET', '/api/avatars');
  avatarId = (avatars.json.avatars as { id: string }[])[0]!.id;
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  photo = Buffer.from(
    await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 960;
      canvas.height = 640;
      const g = canvas.getContext('2d')!;
      const sky = g.createLinearGradient(0, 0, 0, 640);
      sky.addColorStop(0, '#f97316');
      sky.addColorStop(1, '#7c3aed');
      g.fillStyle = sky;
      g.fillRect(0, 0, 960, 640);
      g.fillStyle = '#fde047';
      g.beginPath();
      g.arc(480, 380, 110, 0, Math.PI * 2);
      g.fill();
      g.fillStyle = '#14532d';
      g.beginPath();
      g.ellipse(250, 640, 420, 200, 0, 0, Math.PI * 2);
      g.ellipse(760, 660, 380, 190, 0, 0, Math.PI * 2);
      g.fill();
      const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
      return [...new Uint8Array(await blob.arrayBuffer())];
    }),
  );
});

afterAll(async () => {
  for (const context of opened) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  await ollama?.close();
});

type Look = { viewport: { width: number; height: number }; colorScheme: 'light' | 'dark' };

async function openConversation(look: Look = { viewport: VIEWPORTS.desktop, colorScheme: 'light' }) {
  const context = await browser.newContext(look);
  opened.push(context);
  const watch = watchContext(context);
  await signInByApi(context, server.url, person);
  const created = await api(context, server.url, 'POST', '/api/conversations', { avatarId });
  const id = (created.json.conversation as { id: string }).id;
  const page = await context.newPage();
  await page.goto(`${server.url}/chat/${id}`);
  await page.locator('article[data-message-id]').first().waitFor();
  return { context, page, watch, id };
}

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const sendButton = (page: Page) => page.getByRole('button', { name: 'Send', exact: true });
const chips = (page: Page) => page.getByRole('list', { name: 'Attached files' }).getByRole('listitem');
const lastMessage = (page: Page) => page.locator('article[data-message-id]').last();

type Upload = { name: string; mimeType: string; buffer: Buffer };
const png = (name = 'sunset.png'): Upload => ({ name, mimeType: 'image/png', buffer: photo });

/** Picks files with the paperclip, through the browser's file chooser. */
async function pick(page: Page, files: Upload[]) {
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Attach files' }).click(),
  ]);
  expect(chooser.isMultiple()).toBe(true);
  await chooser.setFiles(files);
}

/** Pastes files into the message box, as a paste of a copied picture does. */
async function paste(page: Page, file: Upload) {
  await composer(page).evaluate(
    (box, { name, mimeType, bytes }) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], name, { type: mimeType }));
      box.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
    },
    { name: file.name, mimeType: file.mimeType, bytes: [...file.buffer] },
  );
}

/** Drags files over the conversation (`drop`: and lets go). */
async function drag(page: Page, file: Upload, drop: boolean) {
  await page
    .locator('article[data-message-id]')
    .first()
    .evaluate(
      (target, { name, mimeType, bytes, drop }) => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], name, { type: mimeType }));
        const fire = (type: string) =>
          target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
        fire('dragenter');
        fire('dragover');
        if (drop) fire('drop');
      },
      { name: file.name, mimeType: file.mimeType, bytes: [...file.buffer], drop },
    );
}

async function allReady(page: Page, count: number) {
  await expect
    .poll(() => page.locator('[data-attachment-status="ready"]').count(), { timeout: 20_000 })
    .toBe(count);
}

async function settledReply(page: Page) {
  await expect
    .poll(() => lastMessage(page).getAttribute('data-status'), { timeout: 20_000 })
    .toBe('complete');
  await expect.poll(() => lastMessage(page).getAttribute('aria-label')).not.toBe('You said');
}

/** The first chat request to the model after `index` (the reply; a title request may follow). */
function replyRequest(index: number) {
  const found = ollama.requests.slice(index).find((r) => r.path.endsWith('/api/chat'));
  if (!found) throw new Error('the model was not asked for a reply');
  return found;
}

async function noSidewaysScroll(page: Page) {
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
  ).toBe(true);
}

describe('attachments in chat', () => {
  it('picks a picture, a Markdown file and a PDF, sends them to a model that can see; the message shows them and the model got them', async () => {
    const { page, watch } = await openConversation();
    await pick(page, [
      png(),
      { name: 'notes.md', mimeType: 'text/markdown', buffer: fixture('notes.md') },
      { name: 'hello.pdf', mimeType: 'application/pdf', buffer: fixture('hello.pdf') },
    ]);
    await expect.poll(() => chips(page).count()).toBe(3);
    await allReady(page, 3);
    await expect.poll(() => chips(page).first().textContent()).toMatch(/sunset\.png.*Picture · /);
    await composer(page).fill('What do you see, and what do my notes say?');
    await saveViewportScreenshot(page, 'chat-attachments-chips-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);

    const before = ollama.requests.length;
    await composer(page).press('Enter');
    await settledReply(page);
    // The box is empty again: text and files went with the message.
    expect(await composer(page).inputValue()).toBe('');
    expect(await chips(page).count()).toBe(0);

    const mine = page.locator('article[aria-label="You said"]').last();
    const thumbnail = mine.getByRole('img', { name: 'sunset.png' });
    await thumbnail.waitFor();
    await expect
      .poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBeGreaterThan(0);
    await mine.getByRole('link', { name: /notes\.md/ }).waitFor();
    const pdf = mine.getByRole('link', { name: /hello\.pdf/ });
    await expect.poll(() => pdf.textContent()).toMatch(/PDF · .* characters read/);

    // The model saw the picture (as Ollama takes pictures) and read the documents' text.
    const request = replyRequest(before);
    const images = ollama.receivedImages(request);
    expect(images).toHaveLength(1);
    expect(images[0]!.mediaType).toBe('image/png');
    const sent = JSON.stringify(request.body);
    expect(sent).toContain('<document name=\\"notes.md\\">');
    expect(sent).toContain('<document name=\\"hello.pdf\\">');
    await saveViewportScreenshot(page, 'chat-attachments-sent-desktop-light');

    // The thumbnail opens the full picture, with a download link; Escape closes it.
    await thumbnail.click();
    const viewer = page.getByRole('dialog', { name: /sunset\.png/ });
    await viewer.waitFor();
    const download = viewer.getByRole('link', { name: 'Download' });
    expect(await download.getAttribute('href')).toMatch(/^\/api\/attachments\/[0-9a-f-]{36}$/);
    await saveViewportScreenshot(page, 'chat-attachments-viewer-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });

    // A reload shows the same (the parts are stored).
    await page.reload();
    await page
      .locator('article[aria-label="You said"]')
      .last()
      .getByRole('img', { name: 'sunset.png' })
      .waitFor();
    expect(watch.problems).toEqual([]);
  });

  it('a model that cannot see: Send is off with the reason next to it; removing the picture sends the rest. Paste and drop attach', async () => {
    const { page, watch } = await openConversation();
    // The picker marks the models that can see.
    await page.getByRole('button', { name: /Model for this conversation/ }).click();
    const llava = page.getByRole('option', { name: /^llava:7b/ });
    expect(await llava.textContent()).toContain('Vision');
    expect(await page.getByRole('option', { name: /^llama3\.2:1b/ }).textContent()).not.toContain('Vision');
    await saveViewportScreenshot(page, 'chat-attachments-model-picker-desktop-light');
    await page.getByRole('option', { name: /^llama3\.2:1b/ }).click();
    await expect
      .poll(() => page.getByRole('button', { name: /Model for this conversation/ }).textContent())
      .toContain('llama3.2:1b');

    // Pasted picture: a chip; Send is off and says why.
    await paste(page, png('image.png'));
    await allReady(page, 1);
    await composer(page).fill('Is this a sunset?');
    const reason = page.getByText(
      'llama3.2:1b can’t see images — pick a model marked Vision or remove the picture',
    );
    await reason.waitFor();
    expect(await sendButton(page).isDisabled()).toBe(true);
    await saveViewportScreenshot(page, 'chat-attachments-blind-model-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
    const sends = ollama.requests.length;
    await composer(page).press('Enter');
    expect(ollama.requests.length).toBe(sends);

    // Dropped anywhere on the conversation: the overlay says where, the file joins the message.
    await drag(page, { name: 'table.csv', mimeType: 'text/csv', buffer: fixture('table.csv') }, false);
    await page.getByText('Drop files to attach them').waitFor();
    await saveViewportScreenshot(page, 'chat-attachments-drop-overlay-desktop-light');
    await drag(page, { name: 'table.csv', mimeType: 'text/csv', buffer: fixture('table.csv') }, true);
    await expect.poll(() => chips(page).count()).toBe(2);
    await allReady(page, 2);
    await page.getByText('Drop files to attach them').waitFor({ state: 'detached' });

    // The picture removed (by keyboard): the reason goes and the rest is sent.
    await page.getByRole('button', { name: 'Remove image.png' }).focus();
    await page.keyboard.press('Enter');
    await reason.waitFor({ state: 'detached' });
    expect(await sendButton(page).isEnabled()).toBe(true);
    const before = ollama.requests.length;
    await sendButton(page).click();
    await settledReply(page);
    const mine = page.locator('article[aria-label="You said"]').last();
    await mine.getByRole('link', { name: /table\.csv/ }).waitFor();
    expect(await mine.getByRole('img').count()).toBe(0);
    expect(ollama.receivedImages(replyRequest(before))).toEqual([]);
    expect(JSON.stringify(replyRequest(before).body)).toContain('<document name=\\"table.csv\\">');
    expect(watch.problems).toEqual([]);
  });

  it('says why a file cannot go: not a supported type (before upload), unreadable (the server’s reason)', async () => {
    const { page, watch } = await openConversation();
    const uploads: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/attachments')) uploads.push(r.url());
    });
    await pick(page, [
      { name: 'archive.zip', mimeType: 'application/zip', buffer: fixture('not-word.zip') },
      { name: 'locked.pdf', mimeType: 'application/pdf', buffer: fixture('encrypted.pdf') },
    ]);
    const refused = page.locator('[data-attachment-status="error"]');
    await expect.poll(() => refused.count(), { timeout: 20_000 }).toBe(2);
    expect(await refused.first().textContent()).toContain('Not a supported type');
    expect(await refused.last().textContent()).toMatch(/Could not be read\./);
    // Only the PDF went to the server: the zip was refused here.
    expect(uploads).toHaveLength(1);
    await saveViewportScreenshot(page, 'chat-attachments-refused-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Remove archive.zip' }).click();
    await page.getByRole('button', { name: 'Remove locked.pdf' }).click();
    await expect.poll(() => chips(page).count()).toBe(0);
    expect(watch.problems).toEqual([]);
  });

  it('phone and dark: long names stay inside the screen, a picture alone is a message, kept through a reload before it is sent', async () => {
    const looks: (Look & { name: string })[] = [
      { name: 'phone-light', viewport: VIEWPORTS.phone, colorScheme: 'light' },
      { name: 'phone-dark', viewport: VIEWPORTS.phone, colorScheme: 'dark' },
      { name: 'desktop-dark', viewport: VIEWPORTS.desktop, colorScheme: 'dark' },
    ];
    for (const look of looks) {
      const { page, watch } = await openConversation(look);
      await pick(page, [
        png(),
        {
          name: 'quarterly-report-of-the-frequency-hopping-committee-final-version-2.md',
          mimeType: 'text/markdown',
          buffer: fixture('notes.md'),
        },
      ]);
      await allReady(page, 2);
      await noSidewaysScroll(page);
      await saveViewportScreenshot(page, `chat-attachments-chips-${look.name}`);

      // Not sent yet: a reload keeps the uploaded files with the draft.
      await page.reload();
      await allReady(page, 2);
      await page.getByRole('button', { name: /Remove quarterly-report/ }).click();
      await expect.poll(() => chips(page).count()).toBe(1);

      // The picture alone, without text.
      expect(await composer(page).inputValue()).toBe('');
      await sendButton(page).click();
      await settledReply(page);
      const mine = page.locator('article[aria-label="You said"]').last();
      await mine.getByRole('img', { name: 'sunset.png' }).waitFor();
      await noSidewaysScroll(page);
      await saveViewportScreenshot(page, `chat-attachments-sent-${look.name}`);
      await mine.getByRole('img', { name: 'sunset.png' }).click();
      await page.getByRole('dialog', { name: /sunset\.png/ }).waitFor();
      await saveViewportScreenshot(page, `chat-attachments-viewer-${look.name}`);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Close' }).click();
      expect(watch.problems).toEqual([]);
    }
  });
});

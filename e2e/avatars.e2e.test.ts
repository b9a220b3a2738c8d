import fs from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../packages/server/src/test-support/fixtures.js';
import { Automatic1111Server } from '../packages/server/src/test-support/protocol-servers/image-servers.js';
import { type Account, api, signInByApi, signUpByApi } from './support/auth.js';
import {
  launchBrowser,
  saveScreenshot,
  saveViewportScreenshot,
  seriousAxeViolations,
  VIEWPORTS,
  watchContext,
} from './support/browser.js';
import { type LuminaServer, startLumina } from './support/server.js';

// The avatars gallery, the editor, pictures, import and export, against a real Lumina.

const SERAPHINA = fixturePath('sillytavern', 'default_Seraphina.png');
const ELDORIA = fixturePath('sillytavern', 'Eldoria.json');

const admin: Account = { email: 'admin@example.org', password: 'lighthouse keeper 7', name: 'Grace Hopper' };
const member: Account = {
  email: 'linus@example.org',
  password: 'penguin sweater 91',
  name: 'Linus Pauling',
  preferredName: 'Lin',
};

interface ApiAvatar {
  id: string;
  name: string;
  greeting: string;
  owned: boolean;
  imageUrl: string;
  lorebook?: unknown;
  [key: string]: unknown;
}

let server: LuminaServer;
let browser: Browser;
let seraphinaBytes: Buffer;
let eldoriaBytes: Buffer;
const opened: BrowserContext[] = [];

beforeAll(async () => {
  seraphinaBytes = await fs.readFile(SERAPHINA);
  eldoriaBytes = await fs.readFile(ELDORIA);
  server = await startLumina();
  browser = await launchBrowser();
  const setup = await browser.newContext();
  await signUpByApi(setup, server.url, admin);
  const created = await api(setup, server.url, 'POST', '/api/admin/users', member);
  expect(created.status).toBe(201);
  await setup.close();
});

afterAll(async () => {
  for (const context of opened) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
});

async function open(
  as: Account,
  {
    viewport = VIEWPORTS.desktop as { width: number; height: number },
    colorScheme = 'light' as 'light' | 'dark',
  } = {},
): Promise<{ context: BrowserContext; page: Page; watch: { problems: string[] } }> {
  const context = await browser.newContext({ viewport, colorScheme, acceptDownloads: true });
  opened.push(context);
  const watch = watchContext(context);
  await signInByApi(context, server.url, as);
  return { context, page: await context.newPage(), watch };
}

async function gallery(page: Page) {
  await page.goto(`${server.url}/avatars`);
  await page.getByRole('heading', { level: 1, name: 'Avatars' }).waitFor();
  await page.getByRole('list', { name: 'Avatars' }).waitFor();
  await page.waitForLoadState('networkidle');
}

async function listAvatars(context: BrowserContext): Promise<ApiAvatar[]> {
  const result = await api(context, server.url, 'GET', '/api/avatars?sort=created');
  return result.json.avatars as ApiAvatar[];
}

/** Chooses files in the import dialog (opening it first) and waits until every file has a result. */
async function importFiles(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]) {
  const dialog = page.getByRole('dialog', { name: 'Import avatars' });
  if (!(await dialog.isVisible())) await page.getByRole('button', { name: 'Import', exact: true }).click();
  await dialog.waitFor();
  await dialog.locator('input[type=file]').setInputFiles(files);
  await dialog.getByText('Import finished').waitFor({ timeout: 30_000 });
  return dialog;
}

/** The text of the card inside a PNG (tEXt `chara`, base64 JSON). */
function cardInPng(png: Buffer): {
  data: { name: string; first_mes: string; character_book?: { entries: unknown[] } };
} {
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (type === 'tEXt') {
      const body = png.subarray(offset + 8, offset + 8 + length);
      const zero = body.indexOf(0);
      if (body.toString('latin1', 0, zero) === 'chara')
        return JSON.parse(Buffer.from(body.toString('latin1', zero + 1), 'base64').toString('utf8'));
    }
    offset += 12 + length;
  }
  throw new Error('no chara chunk in the PNG');
}

/** A real PNG drawn by the browser's canvas. */
async function drawPng(page: Page): Promise<Buffer> {
  const dataUrl = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 96;
    canvas.height = 64;
    const g = canvas.getContext('2d')!;
    const gradient = g.createLinearGradient(0, 0, 96, 64);
    gradient.addColorStop(0, '#7c3aed');
    gradient.addColorStop(1, '#f59e0b');
    g.fillStyle = gradient;
    g.fillRect(0, 0, 96, 64);
    g.fillStyle = '#fff';
    g.beginPath();
    g.arc(48, 32, 18, 0, Math.PI * 2);
    g.fill();
    return canvas.toDataURL('image/png');
  });
  return Buffer.from(dataUrl.split(',')[1]!, 'base64');
}

describe('avatars', () => {
  it('creates an avatar from a template, edits sliders, traits and greeting, and saves with Ctrl+S', async () => {
    const { context, page, watch } = await open(admin);
    await gallery(page);
    // Every account starts with Lumina, which is the active avatar until another is chosen.
    const luminaCard = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'Lumina' }) });
    await luminaCard.getByText('Active').waitFor();

    await page.getByRole('button', { name: 'New avatar' }).click();
    await page.getByRole('menuitem', { name: /From a template/ }).click();
    const picker = page.getByRole('dialog', { name: 'Start from a template' });
    await picker.getByRole('button').filter({ hasText: 'Sage' }).first().waitFor();
    await picker.getByRole('button').filter({ hasText: 'Sage' }).first().click();
    await page.waitForURL(/\/avatars\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { level: 1, name: 'Sage' }).waitFor();
    const id = page.url().split('/').pop()!;

    // A slider, by keyboard.
    const formality = page.getByRole('slider', { name: 'Formality' });
    const before = Number(await formality.getAttribute('aria-valuenow'));
    await formality.focus();
    await page.keyboard.press('PageUp');
    await expect.poll(() => formality.getAttribute('aria-valuenow')).toBe(String(Math.min(100, before + 10)));
    // A trait, as a chip.
    const traits = page.getByLabel('Traits', { exact: true });
    await traits.fill('stargazer');
    await traits.press('Enter');
    await page.getByRole('list', { name: 'Current traits' }).getByText('stargazer').waitFor();
    // The greeting.
    await page
      .getByLabel('Greeting', { exact: true })
      .fill('Well met, {{user}}. {{char}} has been expecting you.');
    await page.getByText('Unsaved changes', { exact: true }).waitFor();

    await page.keyboard.press('Control+s');
    await page.getByText(/^(Saved|All changes saved)$/).waitFor();
    const saved = (await api(context, server.url, 'GET', `/api/avatars/${id}`)).json.avatar as ApiAvatar & {
      traits: string[];
      style: { formality: number };
    };
    expect(saved.traits).toContain('stargazer');
    expect(saved.style.formality).toBe(Math.min(100, before + 10));
    expect(saved.greeting).toBe('Well met, {{user}}. {{char}} has been expecting you.');

    // The leave-page guard: an unsaved change asks before leaving.
    await page.getByLabel('Scenario').fill('A quiet observatory at night.');
    await page.getByRole('link', { name: 'Avatars', exact: true }).first().click();
    const leave = page.getByRole('dialog', { name: 'Leave without saving?' });
    await leave.getByRole('button', { name: 'Keep editing' }).click();
    await leave.waitFor({ state: 'detached' });
    expect(page.url()).toContain(`/avatars/${id}`);
    await page.getByRole('button', { name: 'Discard' }).click();

    // Set it active: Home greets with names filled in.
    await page.getByRole('button', { name: 'Set active' }).click();
    await page.goto(`${server.url}/`);
    await expect
      .poll(() => page.getByTestId('active-greeting').textContent())
      .toBe('Well met, Grace. Sage has been expecting you.');
    expect(watch.problems).toEqual([]);
  });

  it('shows the compiled prompt beside the editor, unsaved edits included, with {{char}} as the nickname', async () => {
    const { context, page, watch } = await open(admin);
    const avatar = (await listAvatars(context)).find((a) => a.name === 'Lumina');
    await page.goto(`${server.url}/avatars/${avatar!.id}`);
    const preview = page.getByTestId('prompt-preview');
    await preview.locator('details').first().waitFor();
    expect(await preview.textContent()).not.toContain('Keeper of the lighthouse');
    // Typing updates the preview without saving: the server compiles the draft.
    await page.getByLabel('Scenario').fill('{{char}} keeps the lighthouse at the end of the world.');
    await page.getByLabel('Nickname').fill('Lumi');
    await page.getByText('Includes your unsaved changes.').waitFor();
    await expect
      .poll(() => preview.textContent(), { timeout: 10_000 })
      .toContain('Lumi keeps the lighthouse at the end of the world.');
    const stored = (await api(context, server.url, 'GET', `/api/avatars/${avatar!.id}`)).json
      .avatar as ApiAvatar;
    expect(stored.scenario).not.toContain('lighthouse');
    await page.keyboard.press('Control+s');
    await page.getByText(/^(Saved|All changes saved)$/).waitFor();
    await page.getByText('Includes your unsaved changes.').waitFor({ state: 'detached' });
    expect(await preview.textContent()).toContain('Lumi keeps the lighthouse');
    // Home (Lumina is this new browser's active avatar) fills the greeting by the same rule.
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.getByTestId('active-greeting').textContent()).toContain('I’m Lumi.');
    // Put the name back for the tests that follow.
    await api(context, server.url, 'PATCH', `/api/avatars/${avatar!.id}`, { nickname: null });
    expect(watch.problems).toEqual([]);
  });

  it('creates a blank avatar and uploads a picture, refusing a broken one', async () => {
    const { page, watch } = await open(admin);
    await gallery(page);
    await page.getByRole('button', { name: 'New avatar' }).click();
    await page.getByRole('menuitem', { name: /Blank avatar/ }).click();
    const dialog = page.getByRole('dialog', { name: 'New avatar' });
    await dialog.getByRole('button', { name: 'Create avatar' }).click();
    await dialog.getByText('Give your avatar a name.').waitFor();
    await dialog.getByLabel('Name').fill('Nova');
    await dialog.getByRole('button', { name: 'Create avatar' }).click();
    await page.getByRole('heading', { level: 1, name: 'Nova' }).waitFor();
    await page.getByText('Created. Shape its personality below').waitFor();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Nova');

    const input = page.getByTestId('picture-input');
    await input.setInputFiles({
      name: 'broken.png',
      mimeType: 'image/png',
      buffer: Buffer.from('not a png at all'),
    });
    await page
      .getByRole('alert')
      .filter({ hasText: /damaged|isn’t a picture/ })
      .waitFor();

    const png = await drawPng(page);
    await input.setInputFiles({ name: 'face.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('button', { name: 'Use generated face' }).waitFor();
    const src = await page
      .getByRole('heading', { level: 1, name: 'Nova' })
      .locator('xpath=../..')
      .locator('img')
      .getAttribute('src');
    expect(src).toMatch(/\/image\?v=[0-9a-f]{8}-/);
    const image = await page.request.get(`${server.url}${src}`);
    expect(image.status()).toBe(200);
    expect(image.headers()['content-type']).toBe('image/webp');

    await page.getByRole('button', { name: 'Use generated face' }).click();
    await page.getByRole('button', { name: 'Use generated face' }).waitFor({ state: 'detached' });
    expect(watch.problems).toEqual([]);
  });

  it('imports the SillyTavern Seraphina card, exports it as PNG and imports that again', async () => {
    const { context, page, watch } = await open(admin);
    const card = cardInPng(seraphinaBytes);
    await gallery(page);
    let dialog = await importFiles(page, [
      { name: 'default_Seraphina.png', mimeType: 'image/png', buffer: seraphinaBytes },
    ]);
    await dialog.getByText('1 imported').waitFor();
    await dialog.getByRole('link', { name: card.data.name }).click();
    await page.getByRole('heading', { level: 1, name: card.data.name }).waitFor();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe(card.data.name);
    expect(await page.getByLabel('Greeting', { exact: true }).inputValue()).toBe(card.data.first_mes);
    const id = page.url().split('/').pop()!;
    const imported = (await api(context, server.url, 'GET', `/api/avatars/${id}`)).json.avatar as ApiAvatar;
    expect(imported.lorebook).toMatchObject({ entryCount: expect.any(Number) });
    await page.getByText(/^Lorebook · \d+ entr/).waitFor();

    // Export as a PNG card through the menu (a real download) …
    await page.getByRole('button', { name: 'Export' }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('menuitem', { name: /PNG character card/ }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.png$/);
    const exported = await fs.readFile((await download.path())!);
    expect(cardInPng(exported).data.name).toBe(card.data.name);

    // … and import the download again: same name and greeting.
    await gallery(page);
    dialog = await importFiles(page, [
      { name: download.suggestedFilename(), mimeType: 'image/png', buffer: exported },
    ]);
    // The same card again: Lumina asks before making a second avatar.
    await dialog.getByText(/One card is one you imported before/).waitFor();
    await dialog.getByRole('button', { name: 'Keep both' }).click();
    await dialog.getByText('1 imported').waitFor();
    const again = (await listAvatars(context)).filter((a) => a.name === card.data.name);
    expect(again).toHaveLength(2);
    const reimported = again.find((a) => a.id !== id)!;
    expect(reimported.greeting).toBe(card.data.first_mes);
    expect(watch.problems).toEqual([]);
  });

  it('refuses an XML file with a DTD and lists the line errors of an invalid one, next to a good card', async () => {
    const { page, watch } = await open(admin);
    await gallery(page);
    const dtd = Buffer.from(
      '<?xml version="1.0"?>\n<!DOCTYPE avatar [<!ENTITY lol "lol">]>\n<avatar><name>&lol;</name></avatar>\n',
    );
    const invalid = Buffer.from('<?xml version="1.0"?>\n<avatar>\n  <mood>sunny</mood>\n</avatar>\n');
    const dialog = await importFiles(page, [
      { name: 'laughs.xml', mimeType: 'application/xml', buffer: dtd },
      { name: 'invalid.xml', mimeType: 'application/xml', buffer: invalid },
      { name: 'holiday.png', mimeType: 'image/png', buffer: await drawPng(page) },
      { name: 'default_Seraphina.png', mimeType: 'image/png', buffer: seraphinaBytes },
    ]);
    await dialog.getByRole('button', { name: 'Keep both' }).click(); // imported in an earlier test
    await dialog.getByText('1 imported · 3 failed').waitFor();
    await dialog.getByText(/declares a DTD/).waitFor();
    await dialog.getByText(/isn’t valid Lumina XML/).waitFor();
    const problems = dialog.getByRole('list', { name: 'Problems in invalid.xml' });
    expect(await problems.getByRole('listitem').first().textContent()).toMatch(/^Line \d+/);
    await dialog.getByText(/This picture has no character card inside/).waitFor();
    expect(watch.problems).toEqual([]);
  });

  it('attaches the Eldoria World Info in the editor, edits an entry, and keeps it across a reload', async () => {
    const { context, page, watch } = await open(admin);
    const created = await api(context, server.url, 'POST', '/api/avatars', { name: 'Glade Keeper' });
    const id = (created.json.avatar as ApiAvatar).id;
    await page.goto(`${server.url}/avatars/${id}`);
    await page.getByRole('heading', { level: 1, name: 'Glade Keeper' }).waitFor();
    const lorebook = page.getByRole('region', { name: 'Lorebook' });
    await lorebook.getByText('No lorebook yet').waitFor();

    await lorebook.getByTestId('world-info-input').setInputFiles({
      name: 'Eldoria.json',
      mimeType: 'application/json',
      buffer: eldoriaBytes,
    });
    const entryCount = Object.keys(JSON.parse(eldoriaBytes.toString()).entries).length;
    await lorebook.getByText(`Attached Eldoria.json: ${entryCount} entries.`).waitFor();
    const entries = lorebook.getByRole('list', { name: 'Lorebook entries' });
    await expect.poll(() => entries.getByRole('heading', { level: 3 }).count()).toBe(entryCount);
    await page.getByText(`Lorebook · ${entryCount} entries`).waitFor();

    await lorebook.getByRole('button', { name: 'Edit eldoria, wood, forest' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit “eldoria, wood, forest”' });
    await dialog.getByLabel('Title (optional)').fill('The forest of Eldoria');
    await dialog
      .getByLabel('Content')
      .fill('Eldoria is the forest {{char}} guards; the Shadowfangs roam beyond it.');
    await dialog.getByLabel('Keywords', { exact: true }).fill('glade');
    await dialog.getByLabel('Keywords', { exact: true }).press('Enter');
    await dialog.getByRole('switch', { name: 'Always on' }).click();
    await page.waitForLoadState('networkidle');
    await saveViewportScreenshot(page, 'avatars-lorebook-entry-dialog');
    await dialog.getByRole('button', { name: 'Save entry' }).click();
    await dialog.waitFor({ state: 'detached' });
    await lorebook.getByText('Saved “The forest of Eldoria”.').waitFor();

    await page.reload();
    const edited = page
      .getByRole('region', { name: 'Lorebook' })
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'The forest of Eldoria' }) });
    await edited.getByText('Always on').waitFor();
    await edited.getByText(/the Shadowfangs roam beyond it/).waitFor();
    await edited.getByText('glade', { exact: true }).waitFor();
    await lorebook.scrollIntoViewIfNeeded();
    await saveViewportScreenshot(page, 'avatars-lorebook');

    // The World Info export carries the edit, and the other entries as they came.
    const exported = await page.request.get(`${server.url}/api/avatars/${id}/lorebook`);
    const file = (await exported.json()) as { entries: Record<string, { comment: string; content: string }> };
    expect(Object.keys(file.entries)).toHaveLength(entryCount);
    expect(file.entries['0']).toMatchObject({ comment: 'The forest of Eldoria', constant: true });
    const original = JSON.parse(eldoriaBytes.toString()).entries as Record<string, { content: string }>;
    expect(file.entries['1']?.content).toBe(original['1']?.content);
    expect(watch.problems).toEqual([]);
  });

  it('says how to set up a model when suggestions have none', async () => {
    const { page, watch } = await open(member);
    await gallery(page);
    await page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'Lumina' }) })
      .getByRole('link')
      .click();
    await page.getByRole('heading', { level: 1, name: 'Lumina' }).waitFor();
    await page.getByRole('button', { name: 'Suggest from backstory' }).click();
    const alert = page.getByRole('alert').filter({ hasText: /model/i });
    await alert.waitFor();
    await alert.getByRole('link', { name: /Settings → Models/ }).waitFor();
    expect(watch.problems).toEqual([]);
  });

  it('shows another person’s shared avatar read-only', async () => {
    const owner = await open(admin);
    const created = await api(owner.context, server.url, 'POST', '/api/avatars', {
      name: 'Harbor Guide',
      description: 'Knows every boat in the bay.',
      greeting: 'Ahoy, {{user}}!',
      tags: ['travel'],
      visibility: 'instance',
    });
    expect(created.status).toBe(201);
    const shared = created.json.avatar as ApiAvatar;

    const { page, watch } = await open(member);
    await gallery(page);
    const card = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'Harbor Guide' }) });
    await card.getByText('Shared', { exact: true }).waitFor();
    await card.getByRole('link', { name: 'Harbor Guide' }).click();
    await page.getByRole('heading', { level: 1, name: 'Harbor Guide' }).waitFor();
    await page.getByText('Shared with you · read-only').waitFor();
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('readonly')).not.toBeNull();
    expect(
      await page.getByRole('slider', { name: 'Formality' }).getAttribute('data-disabled'),
    ).not.toBeNull();
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Upload picture' }).count()).toBe(0);
    // The server agrees.
    const patch = await api(page.context(), server.url, 'PATCH', `/api/avatars/${shared.id}`, {
      name: 'Mine now',
    });
    expect(patch.status).toBeGreaterThanOrEqual(400);
    expect(watch.problems).toEqual([]);
  });
});

describe('avatar screens', () => {
  for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`render at ${viewportName} size in ${colorScheme} mode without sideways scrolling, axe or CSP problems`, async () => {
        const { context, page, watch } = await open(admin, { viewport, colorScheme });
        const suffix = `${viewportName}-${colorScheme}`;
        const check = async (name: string) => {
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          const wide = await page.evaluate(() =>
            [...document.querySelectorAll('body *')]
              .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
              .slice(0, 5)
              .map((el) => `${el.tagName}.${el.className}`.slice(0, 160)),
          );
          expect(overflow, `${name} scrolls sideways: ${wide.join(' | ')}`).toBeLessThanOrEqual(0);
          // The app shell's phone header (the compact account menu) is checked by the shell tests;
          // these checks are about the avatar pages.
          const violations = (await seriousAxeViolations(page)).filter(
            (v) =>
              !(
                v.id === 'label-content-name-mismatch' &&
                v.nodes.every((n) => n.target.join(' ').startsWith('#radix-') && viewportName === 'phone')
              ),
          );
          expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
        };

        await gallery(page);
        await check('gallery');
        await saveScreenshot(page, `avatars-gallery-${suffix}`);

        await page.getByRole('button', { name: 'New avatar' }).click();
        await page.getByRole('menuitem', { name: /From a template/ }).click();
        const picker = page.getByRole('dialog', { name: 'Start from a template' });
        await picker.getByRole('button').filter({ hasText: 'Lumina' }).first().waitFor();
        await page.waitForLoadState('networkidle');
        await check('template picker');
        await saveScreenshot(page, `avatars-template-picker-${suffix}`);
        await page.keyboard.press('Escape');
        await picker.waitFor({ state: 'detached' });

        const dialog = await importFiles(page, [
          { name: 'default_Seraphina.png', mimeType: 'image/png', buffer: seraphinaBytes },
          {
            name: 'broken-avatar.xml',
            mimeType: 'application/xml',
            buffer: Buffer.from('<?xml version="1.0"?>\n<avatar>\n  <mood>sunny</mood>\n</avatar>\n'),
          },
          {
            name: 'laughs.xml',
            mimeType: 'application/xml',
            buffer: Buffer.from('<?xml version="1.0"?>\n<!DOCTYPE avatar [<!ENTITY a "a">]>\n<avatar/>\n'),
          },
        ]);
        await page.waitForLoadState('networkidle');
        await check('import results');
        await saveScreenshot(page, `avatars-import-results-${suffix}`);
        await dialog.getByRole('button', { name: 'Done' }).click();
        await dialog.waitFor({ state: 'detached' });

        const lumina = (await listAvatars(context)).find((a) => a.name === 'Lumina')!;
        await page.goto(`${server.url}/avatars/${lumina.id}`);
        await page.getByRole('heading', { level: 1, name: 'Lumina' }).waitFor();
        await page.waitForLoadState('networkidle');
        await page.getByLabel('Description').fill('Your personal assistant, with an edit not yet saved.');
        await check('editor');
        await saveScreenshot(page, `avatars-editor-${suffix}`);
        if (viewportName === 'phone') {
          await page.getByRole('tab', { name: 'Prompt preview' }).click();
          await check('editor preview tab');
          await saveScreenshot(page, `avatars-editor-preview-tab-${suffix}`);
          await page.getByRole('tab', { name: 'Edit' }).click();
        }
        await page.getByRole('button', { name: 'Discard' }).click();

        // The lorebook editor: Lumina gets the Eldoria World Info, then one entry is opened.
        expect(
          (
            await api(
              context,
              server.url,
              'PUT',
              `/api/avatars/${lumina.id}/lorebook`,
              JSON.parse(eldoriaBytes.toString()),
            )
          ).status,
        ).toBe(200);
        await page.reload();
        const lorebook = page.getByRole('region', { name: 'Lorebook' });
        await lorebook.getByRole('list', { name: 'Lorebook entries' }).waitFor();
        await page.waitForLoadState('networkidle');
        await check('lorebook');
        await lorebook.scrollIntoViewIfNeeded();
        await saveViewportScreenshot(page, `avatars-lorebook-${suffix}`);
        await lorebook
          .getByRole('button', { name: /^Edit / })
          .first()
          .click();
        const entryDialog = page.getByRole('dialog', { name: /^Edit “/ });
        await entryDialog.waitFor();
        await check('lorebook entry dialog');
        await saveViewportScreenshot(page, `avatars-lorebook-entry-${suffix}`);
        await page.keyboard.press('Escape');
        await entryDialog.waitFor({ state: 'detached' });

        await page.goto(`${server.url}/`);
        await page.getByTestId('active-greeting').waitFor();
        await page.waitForLoadState('networkidle');
        await saveScreenshot(page, `avatars-home-active-${suffix}`);
        expect(watch.problems).toEqual([]);
      });
    }
  }
});

describe('picture generation', () => {
  let painter: LuminaServer;
  let a1111: Automatic1111Server;
  beforeAll(async () => {
    a1111 = await new Automatic1111Server().listen();
    painter = await startLumina({
      env: { IMAGE_GENERATION_BACKEND: 'automatic1111', IMAGE_GENERATION_URL: a1111.origin },
    });
  });
  afterAll(async () => {
    await painter?.stop();
    await a1111?.close();
  });

  it('generates an avatar’s picture with the configured image service, showing progress', async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    opened.push(context);
    const watch = watchContext(context);
    await signUpByApi(context, painter.url, admin);
    const lumina = ((await api(context, painter.url, 'GET', '/api/avatars')).json.avatars as ApiAvatar[])[0]!;
    const page = await context.newPage();
    await page.goto(`${painter.url}/avatars/${lumina.id}`);
    await page.getByRole('heading', { level: 1, name: 'Lumina' }).waitFor();

    a1111.script({ kind: 'text', tokens: [], delayMs: 1500 });
    await page.waitForLoadState('networkidle');
    await saveViewportScreenshot(page, 'avatars-picture-field');
    await page.getByRole('button', { name: 'Generate picture' }).click();
    const dialog = page.getByRole('dialog', { name: 'Generate a picture' });
    await dialog.getByLabel(/What should it show/).fill('A glowing lantern spirit, watercolour');
    await dialog.getByRole('button', { name: 'Generate' }).click();
    await dialog.getByRole('progressbar', { name: 'Generating the picture' }).waitFor();
    await saveViewportScreenshot(page, 'avatars-generate-picture');
    await dialog.waitFor({ state: 'detached', timeout: 20_000 });
    await page.getByRole('button', { name: 'Use generated face' }).waitFor();
    expect(a1111.lastRequest('/sdapi/v1/txt2img').body).toMatchObject({
      prompt: 'A glowing lantern spirit, watercolour',
      width: 512,
      height: 512,
    });
    const stored = (await api(context, painter.url, 'GET', `/api/avatars/${lumina.id}`)).json
      .avatar as ApiAvatar;
    const image = await page.request.get(`${painter.url}${stored.imageUrl}`);
    expect(image.headers()['content-type']).toBe('image/webp');
    expect(watch.problems).toEqual([]);
  });
});

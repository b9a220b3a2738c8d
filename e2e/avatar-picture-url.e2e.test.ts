import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../packages/server/src/test-support/fixtures.js';
import { type Account, api, signInByApi, signUpByApi } from './support/auth.js';
import {
  launchBrowser,
  saveViewportScreenshot,
  seriousAxeViolations,
  VIEWPORTS,
  watchContext,
} from './support/browser.js';
import { type LuminaServer, startLumina } from './support/server.js';

// "From a link" in the avatar editor, against a real Lumina whose administrator allowed
// 127.0.0.1 (LUMINA_OUTBOUND_ALLOW), and a picture site of our own on that address. A second
// site on 127.0.0.2 (loopback too, but not on the allow-list) shows the refusal: the server must
// not even connect to it.

const admin: Account = { email: 'admin@example.org', password: 'lighthouse keeper 7', name: 'Grace Hopper' };
const member: Account = { email: 'ada@example.org', password: 'analytical engine 42', name: 'Ada Lovelace' };

/** A small web server that serves `files` by path, 404 otherwise, and counts every request. */
async function pictureSite(host: string, files: Record<string, { type: string; body: Buffer }>) {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(request.url ?? '');
    const file = files[request.url ?? ''];
    if (!file) {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Nothing here</h1>');
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let lumina: LuminaServer;
let browser: Browser;
let site: Awaited<ReturnType<typeof pictureSite>>;
let hidden: Awaited<ReturnType<typeof pictureSite>>;
let avatarId: string;
const opened: BrowserContext[] = [];

beforeAll(async () => {
  const seraphina = await fs.readFile(fixturePath('sillytavern', 'default_Seraphina.png'));
  site = await pictureSite('127.0.0.1', { '/seraphina.png': { type: 'image/png', body: seraphina } });
  hidden = await pictureSite('127.0.0.2', { '/x.png': { type: 'image/png', body: seraphina } });
  lumina = await startLumina({ env: { LUMINA_OUTBOUND_ALLOW: '127.0.0.1' } });
  browser = await launchBrowser();
  const setup = await browser.newContext();
  await signUpByApi(setup, lumina.url, admin);
  expect((await api(setup, lumina.url, 'POST', '/api/admin/users', member)).status).toBe(201);
  await setup.close();
  // An ordinary member's avatar: picture imports are never trusted, whoever asks.
  const context = await browser.newContext();
  await signInByApi(context, lumina.url, member);
  const created = await api(context, lumina.url, 'POST', '/api/avatars', { name: 'Seraphina' });
  expect(created.status).toBe(201);
  avatarId = (created.json.avatar as { id: string }).id;
  await context.close();
});

afterAll(async () => {
  for (const context of opened) await context.close().catch(() => {});
  await browser?.close();
  await lumina?.stop();
  await site?.close();
  await hidden?.close();
});

async function openEditor(options: {
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
}): Promise<{ context: BrowserContext; page: Page; watch: { problems: string[] } }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? VIEWPORTS.desktop,
    colorScheme: options.colorScheme ?? 'light',
  });
  opened.push(context);
  const watch = watchContext(context);
  await signInByApi(context, lumina.url, member);
  const page = await context.newPage();
  await page.goto(`${lumina.url}/avatars/${avatarId}`);
  await page.getByRole('heading', { level: 1, name: 'Seraphina' }).waitFor();
  await page.waitForLoadState('networkidle');
  return { context, page, watch };
}

/** The picture in the editor's picture field (the button that changes it holds it). */
function pictureSrc(page: Page): Promise<string | null> {
  return page.getByRole('button', { name: 'Change picture' }).locator('img').getAttribute('src');
}

describe('avatar picture from a link', () => {
  it('imports a picture from a link by keyboard, and the new picture shows at once', async () => {
    const { context, page, watch } = await openEditor({});
    const before = await pictureSrc(page);
    expect(before).not.toMatch(/\?v=[0-9a-f]{8}-/); // the generated face

    const open = page.getByRole('button', { name: 'From a link' });
    await open.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Picture from a link' });
    await dialog.waitFor();
    const input = dialog.getByRole('textbox', { name: 'Picture link' });
    await expect.poll(() => input.evaluate((el) => el === document.activeElement)).toBe(true);
    const link = `${site.origin}/seraphina.png`;
    await page.keyboard.type(link);
    await saveViewportScreenshot(page, 'avatars-picture-link-desktop-light');
    expect(await seriousAxeViolations(page)).toEqual([]);

    const imported = page.waitForResponse((response) =>
      response.url().endsWith(`/api/avatars/${avatarId}/image/url`),
    );
    await page.keyboard.press('Enter');
    expect((await imported).status()).toBe(200);
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('Picture imported from the link.').waitFor();
    await page.getByRole('button', { name: 'Use generated face' }).waitFor();
    expect(site.requests).toEqual(['/seraphina.png']);
    await page
      .getByRole('button', { name: 'Change picture' })
      .locator('img')
      .evaluate((img: HTMLImageElement) => img.decode());
    await saveViewportScreenshot(page, 'avatars-picture-link-imported-desktop-light');

    // The page shows the stored picture: the same version the API reports, a 512×512 WebP.
    const src = await pictureSrc(page);
    expect(src).toMatch(/\/image\?v=[0-9a-f]{8}-/);
    expect(src).not.toBe(before);
    const stored = (await api(context, lumina.url, 'GET', `/api/avatars/${avatarId}`)).json.avatar as {
      imageUrl: string;
    };
    expect(src).toBe(stored.imageUrl);
    const image = await page.request.get(`${lumina.url}${src}`);
    expect(image.status()).toBe(200);
    expect(image.headers()['content-type']).toBe('image/webp');
    const meta = await sharp(await image.body()).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 512, 512]);
    // Focus goes back to the button that opened the dialog.
    await expect.poll(() => open.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(watch.problems).toEqual([]);
  });

  it('says why a link on a private network is refused, without fetching it (dark)', async () => {
    const { page, watch } = await openEditor({ colorScheme: 'dark' });
    const before = await pictureSrc(page);
    await page.getByRole('button', { name: 'From a link' }).click();
    const dialog = page.getByRole('dialog', { name: 'Picture from a link' });
    const input = dialog.getByRole('textbox', { name: 'Picture link' });

    // Checked in the page first: nothing is sent for a link that is not http(s).
    await input.fill('file:///etc/passwd');
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByText('Only links that start with http:// or https:// can be imported.').waitFor();
    expect(await input.getAttribute('aria-invalid')).toBe('true');

    await input.fill(`${hidden.origin}/x.png`);
    const refused = page.waitForResponse((response) => response.url().endsWith('/image/url'));
    await dialog.getByRole('button', { name: 'Import' }).click();
    const response = await refused;
    expect(response.status()).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'outbound_address_blocked',
    );
    await dialog
      .getByRole('alert')
      .filter({
        hasText:
          'That address is on a private network, which this server doesn’t fetch from. An administrator can allow it.',
      })
      .waitFor();
    expect(hidden.requests).toEqual([]);
    await saveViewportScreenshot(page, 'avatars-picture-link-blocked-desktop-dark');

    // A site that answers 404: its page is not shown, only what happened.
    await input.fill(`${site.origin}/missing.png`);
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog
      .getByRole('alert')
      .filter({ hasText: 'There’s no picture at that link (it answered 404).' })
      .waitFor();
    expect(await dialog.textContent()).not.toContain('Nothing here');

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await pictureSrc(page)).toBe(before);
    expect(watch.problems).toEqual([]);
  });

  it('fits a phone screen as a sheet', async () => {
    const { page, watch } = await openEditor({ viewport: VIEWPORTS.phone });
    await page.getByRole('button', { name: 'From a link' }).scrollIntoViewIfNeeded();
    await saveViewportScreenshot(page, 'avatars-picture-field-phone-light');
    await page.getByRole('button', { name: 'From a link' }).click();
    const dialog = page.getByRole('dialog', { name: 'Picture from a link' });
    await dialog.getByRole('textbox', { name: 'Picture link' }).fill('pictures.example.org/fox.png');
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByText('Add https:// at the start of the link.').waitFor();
    const box = await dialog.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= VIEWPORTS.phone.width).toBe(true);
    const scrolls = await dialog.evaluate((el) => el.scrollWidth > el.clientWidth);
    expect(scrolls).toBe(false);
    await saveViewportScreenshot(page, 'avatars-picture-link-phone-light');
    expect(watch.problems).toEqual([]);
  });
});

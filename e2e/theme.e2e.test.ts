import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, saveScreenshot } from './support/browser.js';
import { type LuminaServer, startLumina } from './support/server.js';

let server: LuminaServer;
let browser: Browser;

beforeAll(async () => {
  server = await startLumina();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const isDark = (page: Page) => page.evaluate(() => document.documentElement.classList.contains('dark'));

async function chooseTheme(page: Page, label: 'Light' | 'Dark' | 'System') {
  await page.getByRole('button', { name: /^Theme:/ }).click();
  await page.getByRole('menuitemradio', { name: label }).click();
}

/**
 * Runs `change` and waits until the page has dispatched the media query's change event. The
 * app's listener is older than this one, so it has run by then: what it did is visible, and
 * so is what it did not do.
 */
async function osSchemeChange(page: Page, change: () => Promise<void>) {
  // Wrapped in an object: a handle to a bare promise would wait for it to settle.
  const listening = await page.evaluateHandle(() => ({
    heard: new Promise<boolean>((resolve) =>
      window
        .matchMedia('(prefers-color-scheme: dark)')
        .addEventListener('change', () => resolve(true), { once: true }),
    ),
  }));
  await change();
  expect(await page.evaluate((handle) => handle.heard, listening)).toBe(true);
  await listening.dispose();
}

describe('theme', () => {
  it('keeps the chosen theme across a reload, applied before the app script runs', async () => {
    const context = await browser.newContext({ colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await isDark(page)).toBe(false);

    await chooseTheme(page, 'Dark');
    expect(await isDark(page)).toBe(true);
    expect(await page.getByRole('button', { name: 'Theme: Dark' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Theme: Dark' }).click();
    await page.getByRole('menuitemradio', { name: 'Dark' }).waitFor();
    await saveScreenshot(page, 'theme-menu-desktop-dark');
    await page.keyboard.press('Escape');

    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await isDark(page)).toBe(true);
    expect(await page.evaluate(() => localStorage.getItem('lumina.theme'))).toBe('dark');

    // With the app's JavaScript blocked, only the inline script in index.html can set the
    // theme: proof that it is applied before the first paint, with no white flash.
    await page.route('**/assets/*.js', (route) => route.abort());
    await page.reload();
    expect(await isDark(page)).toBe(true);
    await context.close();
  });

  it('follows the operating system when set to "System"', async () => {
    const context = await browser.newContext({ colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await chooseTheme(page, 'Light');
    await osSchemeChange(page, () => page.emulateMedia({ colorScheme: 'dark' }));
    expect(await isDark(page)).toBe(false);

    await chooseTheme(page, 'System');
    expect(await isDark(page)).toBe(true);
    // The OS change arrives as a media query event, a moment later.
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => isDark(page)).toBe(false);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => isDark(page)).toBe(true);
    await context.close();
  });
});

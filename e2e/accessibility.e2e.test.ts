import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, saveScreenshot, seriousAxeViolations } from './support/browser.js';
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

describe('accessibility', () => {
  it('reaches the skip link first with Tab, and it moves focus to the main content', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/status`);
    await page.getByRole('heading', { level: 1 }).waitFor();

    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    expect(await page.getByRole('link', { name: 'Skip to content' }).isVisible()).toBe(true);
    await saveScreenshot(page, 'skip-link-focused');

    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('MAIN');

    // The next Tab continues inside the page, not back in the navigation.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.querySelector('main')?.contains(document.activeElement))).toBe(
      true,
    );
    await saveScreenshot(page, 'focus-ring-in-main');
    await context.close();
  });

  it('has one banner, navigation and main landmark and a page language', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await page.getByRole('banner').count()).toBe(1);
    expect(await page.getByRole('navigation').count()).toBe(1);
    expect(await page.getByRole('main').count()).toBe(1);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await context.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const path of ['/', '/status', '/no-such-page']) {
      it(`has no serious or critical axe violations on ${path} (${colorScheme})`, async () => {
        const context = await browser.newContext({ colorScheme });
        const page = await context.newPage();
        await page.goto(`${server.url}${path}`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await page.waitForLoadState('networkidle');
        const violations = await seriousAxeViolations(page);
        expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
        await context.close();
      });
    }
  }
});

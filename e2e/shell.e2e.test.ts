import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, saveScreenshot, VIEWPORTS } from './support/browser.js';
import { type LuminaServer, startLumina } from './support/server.js';

const PAGES = [
  { name: 'home', path: '/', title: 'Home · Lumina', heading: 'Welcome to Lumina', ready: 'Embedded PGlite' },
  {
    name: 'status',
    path: '/status',
    title: 'Status · Lumina',
    heading: 'System status',
    ready: 'All systems operational',
  },
  {
    name: 'not-found',
    path: '/no-such-page',
    title: 'Page not found · Lumina',
    heading: 'Page not found',
    ready: '/no-such-page',
  },
] as const;

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

describe('web shell', () => {
  it('logs that it is ready, at the address it listens on', () => {
    const ready = server.logLines().find((line) => String(line.msg).includes('Lumina is ready at http://'));
    expect(ready?.msg).toBe(`Lumina is ready at ${server.url}`);
  });

  for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`renders every page at ${viewportName} size in ${colorScheme} mode`, async () => {
        const context = await browser.newContext({ viewport, colorScheme });
        const page = await context.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(error.message));
        for (const spec of PAGES) {
          await page.goto(`${server.url}${spec.path}`);
          await page.getByRole('heading', { level: 1, name: spec.heading }).waitFor();
          await page.getByText(spec.ready).first().waitFor();
          expect(await page.title()).toBe(spec.title);
          expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(
            colorScheme === 'dark',
          );
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          expect(overflow, `${spec.path} scrolls sideways`).toBeLessThanOrEqual(0);
          await saveScreenshot(page, `${spec.name}-${viewportName}-${colorScheme}`);
        }
        expect(pageErrors).toEqual([]);
        await context.close();
      });
    }
  }

  it('navigates with the sidebar on desktop and marks the current page', async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const page = await context.newPage();
    await page.goto(server.url);
    const nav = page.getByRole('navigation', { name: 'Main' });

    await nav.getByRole('link', { name: 'System status' }).click();
    await page.waitForURL(`${server.url}/status`);
    await page.getByRole('heading', { level: 1, name: 'System status' }).waitFor();
    expect(await nav.getByRole('link', { name: 'System status' }).getAttribute('aria-current')).toBe('page');
    expect(await nav.getByRole('link', { name: 'Home' }).getAttribute('aria-current')).toBeNull();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    await nav.getByRole('link', { name: 'Home' }).click();
    await page.getByRole('heading', { level: 1, name: 'Welcome to Lumina' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Home' }).getAttribute('aria-current')).toBe('page');
    await context.close();
  });

  it('navigates with the menu on a phone', async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.phone });
    const page = await context.newPage();
    await page.goto(server.url);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false);

    const menuButton = page.getByRole('button', { name: 'Open menu' });
    await menuButton.click();
    expect(await page.getByRole('button', { name: 'Close menu' }).getAttribute('aria-expanded')).toBe('true');
    await saveScreenshot(page, 'menu-phone-light');
    await nav.getByRole('link', { name: 'System status' }).click();

    await page.getByRole('heading', { level: 1, name: 'System status' }).waitFor();
    expect(await nav.isVisible()).toBe(false);

    await page.getByRole('button', { name: 'Open menu' }).click();
    await page.keyboard.press('Escape');
    expect(await nav.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Open menu');
    await context.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`explains an unreachable server on the status page and recovers on Retry (${colorScheme})`, async () => {
      const context = await browser.newContext({ colorScheme });
      const page = await context.newPage();
      // Refuse /health as a stopped server would; the app is already loaded.
      await page.route('**/health', (route) => route.abort('connectionrefused'));
      await page.goto(`${server.url}/status`);
      const alert = page.getByRole('alert');
      await alert.getByRole('heading', { name: 'Can’t reach the Lumina server' }).waitFor();
      await saveScreenshot(page, `status-unreachable-desktop-${colorScheme}`);

      await page.unroute('**/health');
      await alert.getByRole('button', { name: 'Retry' }).click();
      await page.getByText('All systems operational').waitFor();
      await context.close();
    });
  }

  it('links the not-found page back home', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/no-such-page`);
    await page.getByRole('link', { name: 'Back to home' }).click();
    await page.getByRole('heading', { level: 1, name: 'Welcome to Lumina' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await context.close();
  });
});

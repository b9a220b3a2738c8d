import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, fillSignIn, signUpByApi } from './support/auth.js';
import { launchBrowser, saveScreenshot, watchContext } from './support/browser.js';
import { type LuminaServer, startLumina } from './support/server.js';

const LIMIT = 3;
const account: Account = { email: 'sam@example.org', password: 'tall ships at dawn', name: 'Sam' };

let server: LuminaServer;
let browser: Browser;

beforeAll(async () => {
  // Its own server: the harness otherwise raises the limit so that sign-ins never lock out.
  server = await startLumina({ env: { LUMINA_LOGIN_LIMIT_PER_MINUTE: String(LIMIT) } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('sign-in lock-out', () => {
  it(`locks sign-in after ${LIMIT} wrong passwords and says for how long`, async () => {
    const setup = await browser.newContext();
    await signUpByApi(setup, server.url, account);
    await setup.close();

    const context = await browser.newContext();
    const watch = watchContext(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    const alert = page.getByRole('alert');
    for (let attempt = 1; attempt <= LIMIT; attempt++) {
      await fillSignIn(page, { email: account.email, password: `wrong password ${attempt}` });
      await alert.getByText('That email and password don’t match. Check them and try again.').waitFor();
      // Wait for the request to finish before the next try.
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    }

    await fillSignIn(page, { email: account.email, password: 'wrong password 4' });
    await alert.getByText(/^Too many attempts\. Try again in \d+ seconds?\.$/).waitFor();
    const text = (await alert.textContent()) ?? '';
    const seconds = Number(/in (\d+) second/.exec(text)?.[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(60);
    await saveScreenshot(page, 'login-locked-out-desktop-light');

    // Even the right password waits until the lock-out ends.
    await fillSignIn(page, account);
    await alert.getByText(/^Too many attempts/).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(watch.problems).toEqual([]);
    await context.close();
  });
});

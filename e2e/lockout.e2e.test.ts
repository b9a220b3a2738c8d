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
  // Trusting the proxy header lets one machine play an attacker and the owner at two addresses.
  server = await startLumina({
    env: { LUMINA_LOGIN_LIMIT_PER_MINUTE: String(LIMIT), LUMINA_TRUST_PROXY: 'true' },
  });
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

  it('does not let a guesser at one address lock the owner out at another', async () => {
    const owner: Account = { email: 'kim@example.org', password: 'northern lights at sea', name: 'Kim' };
    const setup = await browser.newContext();
    await signUpByApi(setup, server.url, owner);
    await setup.close();

    const attacker = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.9' } });
    const attackerPage = await attacker.newPage();
    await attackerPage.goto(`${server.url}/login`);
    const alert = attackerPage.getByRole('alert');
    for (let attempt = 1; attempt <= LIMIT; attempt++) {
      await fillSignIn(attackerPage, { email: owner.email, password: `guess number ${attempt}` });
      await alert.getByText('That email and password don’t match. Check them and try again.').waitFor();
      await attackerPage.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    }
    await fillSignIn(attackerPage, { email: owner.email, password: 'guess number 4' });
    await alert.getByText(/^Too many attempts\. Try again in \d+ seconds?\.$/).waitFor();

    const home = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': '198.51.100.20' } });
    const watch = watchContext(home);
    const page = await home.newPage();
    await page.goto(`${server.url}/login`);
    await fillSignIn(page, owner);
    await page.waitForURL((url) => url.pathname !== '/login');
    expect(watch.problems).toEqual([]);
    await Promise.all([attacker.close(), home.close()]);
  });
});

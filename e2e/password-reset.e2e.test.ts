import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, api, fillSignIn, signUpByApi } from './support/auth.js';
import { launchBrowser, saveScreenshot, watchContext } from './support/browser.js';
import { type LuminaServer, startLumina } from './support/server.js';

// An administrator makes an account with a temporary password, its owner chooses their own at
// first sign-in; later the admin hands over a one-time reset link, which works once.

const admin: Account = { email: 'ada@example.org', password: 'engines of analysis', name: 'Ada Lovelace' };
const member = { email: 'grace@example.org', name: 'Grace Hopper', temporary: 'handed over on paper' };

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

describe('temporary passwords and reset links', () => {
  it('a new member chooses their password, then resets it with a link from the admin', async () => {
    const adminContext = await browser.newContext();
    const adminWatch = watchContext(adminContext);
    await signUpByApi(adminContext, server.url, admin);
    const adminPage = await adminContext.newPage();

    // The admin creates the account on the Users page: its password is temporary.
    await adminPage.goto(`${server.url}/admin/users`);
    await adminPage.getByRole('button', { name: 'Create user' }).click();
    const create = adminPage.getByRole('dialog', { name: 'Create a user' });
    await create.getByLabel('Email').fill(member.email);
    await create.getByLabel('Name', { exact: true }).fill(member.name);
    await create.getByLabel('Temporary password').fill(member.temporary);
    await create.getByRole('button', { name: 'Create user' }).click();
    await create.waitFor({ state: 'detached' });
    const row = adminPage.getByRole('row').filter({ hasText: member.email });
    await row.getByText('Temporary password').waitFor();

    // First sign-in: the member must choose their own password before anything else.
    const memberContext = await browser.newContext();
    const memberWatch = watchContext(memberContext);
    const memberPage = await memberContext.newPage();
    await memberPage.goto(`${server.url}/login`);
    await fillSignIn(memberPage, { email: member.email, password: member.temporary });
    await memberPage.waitForURL((url) => url.pathname === '/choose-password');
    await memberPage.getByRole('heading', { name: 'Choose your password' }).waitFor();
    expect((await api(memberContext, server.url, 'GET', '/api/avatars')).json).toMatchObject({
      error: { code: 'password_change_required' },
    });
    await saveScreenshot(memberPage, 'choose-password-desktop-light');
    await memberPage.getByLabel('Temporary password').fill(member.temporary);
    await memberPage.getByLabel('New password').fill('my own quiet harbour');
    await memberPage.getByRole('button', { name: 'Save and continue' }).click();
    await memberPage.waitForURL((url) => url.pathname !== '/choose-password');
    expect((await api(memberContext, server.url, 'GET', '/api/avatars')).status).toBe(200);

    // Later: forgotten. The admin makes a one-time link.
    await adminPage.reload();
    await adminPage.getByRole('button', { name: `Password reset link for ${member.name}` }).click();
    const dialog = adminPage.getByRole('dialog', { name: `Password reset link for ${member.name}` });
    await dialog.getByRole('button', { name: 'Make link' }).click();
    const link = await dialog.getByRole('textbox', { name: 'Reset link' }).inputValue();
    expect(link).toMatch(new RegExp(`^${server.url}/reset-password#token=[A-Za-z0-9_-]{43}$`));
    await saveScreenshot(adminPage, 'admin-reset-link-desktop-light');
    await dialog.getByRole('button', { name: 'Done' }).click();

    // The member opens it on another device and sets a new password; they are signed in there.
    const resetContext = await browser.newContext();
    const resetWatch = watchContext(resetContext);
    const resetPage = await resetContext.newPage();
    await resetPage.goto(link);
    await resetPage.getByRole('heading', { name: 'Set a new password' }).waitFor();
    await resetPage.getByText(member.email).waitFor();
    expect(new URL(resetPage.url()).hash).toBe(''); // the token left the address bar
    await resetPage.getByLabel('New password').fill('short');
    await resetPage.getByText('Too short').waitFor();
    await saveScreenshot(resetPage, 'reset-password-desktop-light');
    await resetPage.getByLabel('New password').fill('a fresh tide at noon');
    await resetPage.getByRole('button', { name: 'Save password and sign in' }).click();
    await resetPage.waitForURL((url) => url.pathname === '/');
    expect((await api(resetContext, server.url, 'GET', '/api/auth/me')).status).toBe(200);
    // Every other session of the member ended.
    expect((await api(memberContext, server.url, 'GET', '/api/auth/me')).status).toBe(401);

    // The link works once.
    const again = await browser.newContext();
    const againPage = await again.newPage();
    await againPage.goto(link);
    await againPage.getByRole('heading', { name: 'This link has been used' }).waitFor();
    await saveScreenshot(againPage, 'reset-password-used-desktop-light');

    expect([...adminWatch.problems, ...memberWatch.problems, ...resetWatch.problems]).toEqual([]);
    await Promise.all([adminContext.close(), memberContext.close(), resetContext.close(), again.close()]);
  });
});

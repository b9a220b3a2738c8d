import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Account, fillSignIn, signInThroughUi } from './support/auth.js';
import { launchBrowser, saveScreenshot, VIEWPORTS, watchContext } from './support/browser.js';
import { type LuminaServer, startLumina } from './support/server.js';

// One server for the whole story, in order: the first account, then everything it can do.
let server: LuminaServer;
let browser: Browser;
const contexts: { context: BrowserContext; watch: { problems: string[] } }[] = [];

const admin: Account = {
  email: 'ada@example.org',
  password: 'analytical engine 1843',
  name: 'Ada Lovelace',
  preferredName: 'Ada',
};
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const member: Account = {
  email: 'charles@example.org',
  password: 'difference engine 1822',
  name: 'Charles Babbage',
};

beforeAll(async () => {
  server = await startLumina();
  browser = await launchBrowser();
});

afterEach(async () => {
  // Every page of every test: no CSP violations, no uncaught errors.
  const problems = contexts.flatMap((c) => c.watch.problems);
  for (const { context } of contexts.splice(0)) await context.close();
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, ...options });
  contexts.push({ context, watch: watchContext(context) });
  return context.newPage();
}

const path = (page: Page) => new URL(page.url()).pathname;

async function openUserMenu(page: Page) {
  await page.getByRole('button', { name: /^Account menu for/ }).click();
}

async function signOut(page: Page) {
  await openUserMenu(page);
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByText('You’re signed out.').waitFor();
}

/** The bearer-token call a script would make. */
function meWithToken(secret: string) {
  return fetch(`${server.url}/api/auth/me`, { headers: { authorization: `Bearer ${secret}` } });
}

describe('accounts', () => {
  it('first run: a protected page leads to sign-up of the first account, which becomes the admin', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/settings/profile`);
    await page.waitForURL(`${server.url}/login?next=%2Fsettings%2Fprofile`);
    await page
      .getByRole('heading', { level: 1, name: 'Create the first account — it will be the administrator' })
      .waitFor();
    expect(await page.title()).toBe('Set up Lumina · Lumina');
    await saveScreenshot(page, 'login-first-run-desktop-light');

    // Empty form: errors next to the fields, focus on the first one.
    await page.getByRole('button', { name: 'Create administrator account' }).click();
    await page.getByText('Enter your email address.').waitFor();
    const email = page.getByLabel('Email');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('email');
    const describedBy = await email.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${describedBy?.split(' ')[0]}"]`).textContent()).toBe(
      'Enter your email address.',
    );

    await email.fill(admin.email);
    await page.getByLabel('Name', { exact: true }).fill(admin.name);
    await page.getByLabel('What should avatars call you?').fill(admin.preferredName!);
    // The server's own rule: a very common password is refused, next to the password field.
    await page.getByLabel('Password', { exact: true }).fill('password123');
    await page.getByRole('button', { name: 'Create administrator account' }).click();
    await page.getByText(/one of the most common/).waitFor();
    await saveScreenshot(page, 'login-first-run-errors-desktop-light');
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    await page.getByRole('button', { name: 'Show password' }).click();
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('type')).toBe('text');
    await page.getByLabel('Password', { exact: true }).fill(admin.password);
    await page.getByText('Strong').waitFor();
    await page.getByLabel('Password', { exact: true }).press('Enter');

    // Back where they were going, as the administrator.
    await page.getByRole('heading', { level: 1, name: 'Profile' }).waitFor();
    expect(path(page)).toBe('/settings/profile');
    await page.getByText('Administrator', { exact: true }).waitFor();
    expect(await page.getByLabel('Email').inputValue()).toBe(admin.email);
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).isVisible(),
    ).toBe(true);

    // Home greets them by their preferred name.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    await page.getByRole('heading', { level: 1, name: 'Welcome, Ada' }).waitFor();
  });

  it('signs out and in again; a wrong password is explained without saying which field was wrong', async () => {
    const page = await newPage();
    await signInThroughUi(page, server.url, admin);
    await page.getByRole('heading', { level: 1, name: 'Welcome, Ada' }).waitFor();

    await signOut(page);
    expect(path(page)).toBe('/login');
    await page.getByRole('heading', { level: 1, name: 'Sign in to Lumina' }).waitFor();

    // Signed out: account pages send you to sign in.
    await page.goto(`${server.url}/settings/tokens`);
    await page.waitForURL(`${server.url}/login?next=%2Fsettings%2Ftokens`);

    await fillSignIn(page, { email: admin.email, password: 'not my password' });
    const alert = page.getByRole('alert');
    await alert.getByText('That email and password don’t match. Check them and try again.').waitFor();
    // Ready for another try: focus is back in the password field.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password');
    await saveScreenshot(page, 'login-wrong-password-desktop-light');

    await page.getByLabel('Password', { exact: true }).fill(admin.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'API tokens' }).waitFor();
    expect(path(page)).toBe('/settings/tokens');
  });

  it('refuses to redirect to another site after sign-in', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/login?next=${encodeURIComponent('//evil.example/phish')}`);
    await fillSignIn(page, admin);
    await page.getByRole('heading', { level: 1, name: 'Welcome, Ada' }).waitFor();
    expect(page.url()).toBe(`${server.url}/`);
  });

  it('edits the profile and changes the password; the old password stops working', async () => {
    const page = await newPage();
    const other = await newPage();
    await signInThroughUi(other, server.url, admin);
    await signInThroughUi(page, server.url, admin);
    await page.goto(`${server.url}/settings/profile`);

    await page.getByLabel('What should avatars call you?').fill('Countess');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Profile saved.').waitFor();

    // A wrong current password is shown next to that field.
    const password = page.getByRole('form', { name: 'Change password' });
    await password.getByLabel('Current password').fill('wrong password here');
    await password.getByLabel('New password').fill('a brand new passphrase');
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.getByText('That isn’t your current password.').waitFor();
    expect(await password.getByLabel('Current password').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('currentPassword');

    await password.getByLabel('Current password').fill(admin.password);
    await password.getByLabel('Current password').press('Enter');
    // The other browser (and any left from earlier tests) was signed out.
    await password.getByText(/^Password changed\. \d+ other sessions? (was|were) signed out\.$/).waitFor();
    await saveScreenshot(page, 'profile-password-changed-desktop-light');

    const oldPassword = admin.password;
    admin.password = 'a brand new passphrase';

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    await page.getByRole('heading', { level: 1, name: 'Welcome, Countess' }).waitFor();

    await signOut(page);
    await fillSignIn(page, { email: admin.email, password: oldPassword });
    await page.getByText('That email and password don’t match. Check them and try again.').waitFor();
    await page.getByLabel('Password', { exact: true }).fill(admin.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Welcome, Countess' }).waitFor();
  });

  it('revokes a session from another browser, which is sent to sign in on its next action', async () => {
    const first = await newPage();
    // A phone, so that its session is easy to tell apart in the list.
    const second = await newPage({ viewport: VIEWPORTS.phone, userAgent: IPHONE });
    await signInThroughUi(first, server.url, admin);
    await signInThroughUi(second, server.url, admin);
    await second.getByRole('heading', { level: 1, name: /^Welcome, / }).waitFor();

    await first.goto(`${server.url}/settings/sessions`);
    const list = first.getByRole('region', { name: 'Active sessions' });
    const thisDevice = list.getByRole('listitem').filter({ hasText: 'This device' });
    await thisDevice.getByText('Headless Chrome on Linux').waitFor();
    expect(await thisDevice.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    const phone = list.getByRole('listitem').filter({ hasText: 'Safari on iPhone' });
    await phone.getByText(/127\.0\.0\.1/).waitFor();
    await phone.getByText(/Last active just now/).waitFor();

    await phone.getByRole('button', { name: 'Revoke Safari on iPhone session' }).click();
    const dialog = first.getByRole('dialog', { name: 'Revoke this session?' });
    await dialog.waitFor();
    await saveScreenshot(first, 'sessions-revoke-dialog-desktop-light');
    await dialog.getByRole('button', { name: 'Revoke session' }).click();
    await dialog.waitFor({ state: 'detached' });
    await phone.waitFor({ state: 'detached' });

    // The second browser's next action: open Sessions from the menu.
    await second.getByRole('button', { name: 'Open menu' }).click();
    await second.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions' }).click();
    await second.getByText('Your session ended. Sign in again.').waitFor();
    expect(second.url()).toBe(`${server.url}/login?next=%2Fsettings%2Fsessions`);
    await saveScreenshot(second, 'login-session-ended-phone-light');

    // Signing in again returns to the page it was opening.
    await fillSignIn(second, admin);
    await second.getByRole('heading', { level: 1, name: 'Sessions' }).waitFor();
  });

  it('creates an API token, shows its secret once, and revokes it', async () => {
    const page = await newPage();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await signInThroughUi(page, server.url, admin);
    await page.goto(`${server.url}/settings/tokens`);
    await page.getByRole('heading', { name: 'No API tokens yet' }).waitFor();
    expect(await page.getByText(/curl -H "Authorization: Bearer lum_…"/).textContent()).toContain(
      `${server.url}/api/auth/me`,
    );

    await page.getByRole('button', { name: 'Create token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an API token' });
    // Administrators may grant the admin scope.
    await dialog.getByRole('checkbox', { name: /^Admin/ }).waitFor();
    await dialog.getByRole('button', { name: 'Create token' }).click();
    await dialog.getByText('Give the token a name, e.g. “Backup script”.').waitFor();
    await dialog.getByLabel('Name').fill('Backup script');
    await dialog.getByRole('checkbox', { name: /^Write/ }).check();
    await dialog.getByLabel('Name').press('Enter');

    const reveal = page.getByRole('dialog', { name: 'Copy your new token' });
    await reveal.getByText('This is the only time you’ll see this token.').waitFor();
    const secret = (await reveal.getByTestId('token-secret').textContent()) ?? '';
    expect(secret).toMatch(/^lum_/);
    await saveScreenshot(page, 'tokens-secret-desktop-light');
    await reveal.getByRole('button', { name: 'Copy', exact: true }).click();
    await reveal.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    const me = await meWithToken(secret);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe(admin.email);

    await reveal.getByRole('button', { name: 'I’ve copied it' }).click();
    await reveal.waitFor({ state: 'detached' });
    // Never shown again.
    expect(await page.getByText(secret).count()).toBe(0);
    const row = page.getByRole('region', { name: 'Your tokens' }).getByRole('listitem');
    await row.getByText('Backup script').waitFor();
    await row.getByText(`${secret.slice(0, 12)}…`).waitFor();
    await row.getByText(/Last used just now/).waitFor();

    await row.getByRole('button', { name: 'Revoke token Backup script' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke this token?' });
    await confirm.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByRole('heading', { name: 'No API tokens yet' }).waitFor();
    expect((await meWithToken(secret)).status).toBe(401);
  });

  it('lets the admin create a user, who signs in, and disable them: their next request fails', async () => {
    const adminPage = await newPage();
    await signInThroughUi(adminPage, server.url, admin);
    await adminPage.goto(`${server.url}/admin/users`);
    await adminPage.getByRole('heading', { level: 1, name: 'Users' }).waitFor();

    await adminPage.getByRole('button', { name: 'Create user' }).click();
    const dialog = adminPage.getByRole('dialog', { name: 'Create a user' });
    await dialog.getByLabel('Email').fill(admin.email);
    await dialog.getByLabel('Name', { exact: true }).fill(member.name);
    await dialog.getByLabel('Temporary password').fill(member.password);
    await dialog.getByRole('button', { name: 'Create user' }).click();
    // Taken email: said next to the email field.
    await dialog.getByText('An account with this email already exists.').waitFor();
    expect(await dialog.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    await dialog.getByLabel('Email').fill(member.email);
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.waitFor({ state: 'detached' });
    const table = adminPage.getByRole('table');
    const row = table.getByRole('row').filter({ hasText: member.email });
    // An account an admin makes has a temporary password until its owner chooses one.
    await row.getByText('Temporary password').waitFor();

    // The new user signs in elsewhere, chooses their own password first, and sees no admin pages.
    const ownPassword = 'a password of my own 55';
    const memberPage = await newPage();
    await signInThroughUi(memberPage, server.url, member);
    await memberPage.waitForURL(/\/choose-password/);
    await memberPage.getByLabel('Temporary password').fill(member.password);
    await memberPage.getByLabel('New password').fill(ownPassword);
    await memberPage.getByRole('button', { name: 'Save and continue' }).click();
    await memberPage.getByRole('heading', { level: 1, name: 'Welcome, Charles' }).waitFor();
    // On the admin's list (reloaded) the account is now simply active.
    await adminPage.reload();
    await row.getByText('Active').waitFor();
    const nav = memberPage.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Profile' }).isVisible()).toBe(true);
    expect(await nav.getByRole('link', { name: 'Users' }).count()).toBe(0);
    await memberPage.goto(`${server.url}/admin/users`);
    await memberPage.getByRole('heading', { level: 1, name: 'Administrators only' }).waitFor();
    expect(await memberPage.getByRole('table').count()).toBe(0);
    await saveScreenshot(memberPage, 'admin-forbidden-desktop-light');
    await openUserMenu(memberPage);
    expect(await memberPage.getByRole('menuitem', { name: 'Admin: users' }).count()).toBe(0);
    await memberPage.keyboard.press('Escape');
    // Their tokens cannot carry the admin scope: the choice is not offered.
    await memberPage.goto(`${server.url}/settings/tokens`);
    await memberPage.getByRole('button', { name: 'Create token' }).click();
    await memberPage.getByRole('checkbox', { name: /^Read/ }).waitFor();
    expect(await memberPage.getByRole('checkbox', { name: /^Admin/ }).count()).toBe(0);
    await memberPage.keyboard.press('Escape');

    // The admin can't demote or disable themselves: those controls are off for their own row.
    const ownRow = table.getByRole('row').filter({ hasText: admin.email });
    expect(await ownRow.getByRole('combobox').isDisabled()).toBe(true);
    expect(await ownRow.getByRole('button', { name: /^Disable/ }).count()).toBe(0);

    await row.getByRole('button', { name: `Disable ${member.name}` }).click();
    const confirm = adminPage.getByRole('dialog', { name: `Disable ${member.name}?` });
    await saveScreenshot(adminPage, 'admin-disable-dialog-desktop-light');
    await confirm.getByRole('button', { name: 'Disable account' }).click();
    await confirm.waitFor({ state: 'detached' });
    await row.getByText('Disabled').waitFor();

    // Their very next request is refused…
    const me = await memberPage.context().request.get(`${server.url}/api/auth/me`);
    expect(me.status()).toBe(401);
    // …and the app sends them to sign in, where the account stays locked.
    await memberPage
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Sessions' })
      .click();
    await memberPage.waitForURL((url) => url.pathname === '/login');
    await fillSignIn(memberPage, { email: member.email, password: ownPassword });
    await memberPage
      .getByText('This account has been disabled. Ask an administrator if you think this is a mistake.')
      .waitFor();

    // Enabled again, with the member made an administrator through the role select.
    await row.getByRole('button', { name: `Enable ${member.name}` }).click();
    await adminPage
      .getByRole('dialog', { name: `Enable ${member.name}?` })
      .getByRole('button', { name: 'Enable account' })
      .click();
    await row.getByText('Active').waitFor();
    await row.getByRole('combobox', { name: `Role for ${member.name}` }).selectOption('admin');
    await expect.poll(async () => await row.getByRole('combobox').inputValue()).toBe('admin');
    await row.getByRole('combobox', { name: `Role for ${member.name}` }).selectOption('user');
    await expect.poll(async () => await row.getByRole('combobox').isEnabled()).toBe(true);
    expect(await row.getByRole('combobox').inputValue()).toBe('user');
  });

  it('closes and reopens sign-up', async () => {
    const adminPage = await newPage();
    await signInThroughUi(adminPage, server.url, admin);
    await adminPage.goto(`${server.url}/admin/users`);
    const toggle = adminPage.getByRole('switch', { name: 'Open sign-up' });
    await toggle.waitFor();
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');

    const visitor = await newPage();
    await visitor.goto(`${server.url}/login`);
    await visitor.getByRole('heading', { level: 1, name: 'Sign in to Lumina' }).waitFor();
    await visitor.getByText('Need an account? Ask an administrator of this server.').waitFor();
    expect(await visitor.getByRole('link', { name: 'Create an account' }).count()).toBe(0);
    await visitor.goto(`${server.url}/signup`);
    await visitor.getByRole('heading', { level: 1, name: 'Sign-up is closed' }).waitFor();
    await visitor.getByText(/An administrator must create your account/).waitFor();
    await saveScreenshot(visitor, 'signup-closed-desktop-light');

    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('true');

    // Open again: anyone can sign up, and becomes a member (not an admin).
    await visitor.goto(`${server.url}/login`);
    await visitor.getByRole('link', { name: 'Create an account' }).click();
    await visitor.getByRole('heading', { level: 1, name: 'Create your account' }).waitFor();
    await visitor.getByLabel('Email').fill('grace@example.org');
    await visitor.getByLabel('Name', { exact: true }).fill('Grace Hopper');
    await visitor.getByLabel('Password', { exact: true }).fill('cobol compiler 1959');
    await visitor.getByRole('button', { name: 'Create account' }).click();
    await visitor.getByRole('heading', { level: 1, name: 'Welcome, Grace' }).waitFor();
    await visitor.goto(`${server.url}/settings/profile`);
    await visitor.getByText('Member', { exact: true }).waitFor();
  });
});

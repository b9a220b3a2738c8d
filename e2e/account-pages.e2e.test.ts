import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, api, signInByApi, signUpByApi } from './support/auth.js';
import {
  launchBrowser,
  saveScreenshot,
  seriousAxeViolations,
  VIEWPORTS,
  watchContext,
} from './support/browser.js';
import { type LuminaServer, startLumina } from './support/server.js';

// Screenshots, accessibility and the Content-Security-Policy for every account page, in light
// and dark, on a desktop and a 375 px phone.

const admin: Account = { email: 'admin@example.org', password: 'lighthouse keeper 7', name: 'Grace Hopper' };
const member: Account = {
  email: 'linus@example.org',
  password: 'penguin sweater 91',
  name: 'Linus Pauling',
  preferredName: 'Lin',
};

let server: LuminaServer;
let browser: Browser;

beforeAll(async () => {
  server = await startLumina();
  browser = await launchBrowser();
  // Some content to show: a member, a token, a second session.
  const setup = await browser.newContext();
  await signUpByApi(setup, server.url, admin);
  const created = await api(setup, server.url, 'POST', '/api/admin/users', member);
  expect(created.status).toBe(201);
  const token = await api(setup, server.url, 'POST', '/api/auth/tokens', {
    name: 'Nightly backup',
    scopes: ['read', 'write'],
    expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString(),
  });
  expect(token.status).toBe(201);
  await api(setup, server.url, 'POST', '/api/auth/tokens', { name: 'Home Assistant', scopes: ['read'] });
  await setup.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

interface Screen {
  name: string;
  path: string;
  heading: string;
  /** Text that shows once the page has its data. */
  ready: string;
  as?: Account;
}

const SCREENS: Screen[] = [
  { name: 'login', path: '/login', heading: 'Sign in to Lumina', ready: 'Create an account' },
  { name: 'signup', path: '/signup', heading: 'Create your account', ready: 'What should avatars call you?' },
  { name: 'profile', path: '/settings/profile', heading: 'Profile', ready: 'Member since', as: admin },
  { name: 'sessions', path: '/settings/sessions', heading: 'Sessions', ready: 'This device', as: admin },
  { name: 'tokens', path: '/settings/tokens', heading: 'API tokens', ready: 'Nightly backup', as: admin },
  {
    name: 'tokens-empty',
    path: '/settings/tokens',
    heading: 'API tokens',
    ready: 'No API tokens yet',
    as: member,
  },
  { name: 'admin-users', path: '/admin/users', heading: 'Users', ready: member.email, as: admin },
  {
    name: 'admin-forbidden',
    path: '/admin/users',
    heading: 'Administrators only',
    ready: 'ask one of them',
    as: member,
  },
  { name: 'home-signed-in', path: '/', heading: 'Welcome, Grace', ready: 'Embedded PGlite', as: admin },
  { name: 'home-signed-out', path: '/', heading: 'Welcome to Lumina', ready: 'Sign in to meet your avatars' },
  {
    name: 'status-signed-in',
    path: '/status',
    heading: 'System status',
    ready: 'All systems operational',
    as: admin,
  },
];

async function contextFor(
  viewport: (typeof VIEWPORTS)[keyof typeof VIEWPORTS],
  colorScheme: 'light' | 'dark',
  as?: Account,
): Promise<{ context: BrowserContext; page: Page; watch: { problems: string[] } }> {
  const context = await browser.newContext({ viewport, colorScheme });
  const watch = watchContext(context);
  if (as) await signInByApi(context, server.url, as);
  return { context, page: await context.newPage(), watch };
}

async function show(page: Page, screen: Screen) {
  await page.goto(`${server.url}${screen.path}`);
  await page.getByRole('heading', { level: 1, name: screen.heading }).waitFor();
  await page.getByText(screen.ready).first().waitFor();
  await page.waitForLoadState('networkidle');
}

describe('account pages', () => {
  for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`render at ${viewportName} size in ${colorScheme} mode without sideways scrolling or CSP violations`, async () => {
        for (const as of [undefined, admin, member]) {
          const { context, page, watch } = await contextFor(viewport, colorScheme, as);
          for (const screen of SCREENS.filter((s) => s.as === as)) {
            await show(page, screen);
            const overflow = await page.evaluate(
              () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
            );
            expect(overflow, `${screen.name} scrolls sideways`).toBeLessThanOrEqual(0);
            await saveScreenshot(page, `${screen.name}-${viewportName}-${colorScheme}`);
          }
          if (as === admin) await dialogs(page, `${viewportName}-${colorScheme}`);
          if (as && viewportName === 'phone') await userMenu(page, `${viewportName}-${colorScheme}`);
          if (as && viewportName === 'desktop') await userMenu(page, `${viewportName}-${colorScheme}`);
          expect(watch.problems).toEqual([]);
          await context.close();
        }
      });
    }
  }

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe violations on the account pages (${colorScheme})`, async () => {
      for (const as of [undefined, admin, member]) {
        const { context, page, watch } = await contextFor(VIEWPORTS.desktop, colorScheme, as);
        for (const screen of SCREENS.filter((s) => s.as === as)) {
          await show(page, screen);
          const violations = await seriousAxeViolations(page);
          expect(violations, `${screen.name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
        }
        if (as === admin) {
          // Forms in their error state and open dialogs too.
          await page.goto(`${server.url}/settings/tokens`);
          await page.getByRole('button', { name: 'Create token' }).click();
          const dialog = page.getByRole('dialog', { name: 'Create an API token' });
          await dialog.getByRole('button', { name: 'Create token' }).click();
          await dialog.getByText(/Give the token a name/).waitFor();
          let violations = await seriousAxeViolations(page);
          expect(violations, `token dialog: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
          await page.keyboard.press('Escape');

          await page.goto(`${server.url}/settings/profile`);
          await page.getByRole('button', { name: 'Change password' }).click();
          await page.getByText('Enter your current password.').waitFor();
          violations = await seriousAxeViolations(page);
          expect(violations, `profile errors: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
        }
        if (!as) {
          await page.goto(`${server.url}/signup`);
          await page.getByRole('button', { name: 'Create account' }).click();
          await page.getByText('Enter your email address.').waitFor();
          const violations = await seriousAxeViolations(page);
          expect(violations, `signup errors: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
        }
        expect(watch.problems).toEqual([]);
        await context.close();
      }
    });
  }
});

/** The admin's dialogs: create token, the secret, create user, revoke session. */
async function dialogs(page: Page, suffix: string) {
  await page.goto(`${server.url}/settings/tokens`);
  await page.getByRole('button', { name: 'Create token' }).click();
  const create = page.getByRole('dialog', { name: 'Create an API token' });
  await create.getByLabel('Name').fill('Screenshot token');
  await saveScreenshot(page, `tokens-create-dialog-${suffix}`);
  await create.getByRole('button', { name: 'Create token' }).click();
  const reveal = page.getByRole('dialog', { name: 'Copy your new token' });
  await reveal.getByTestId('token-secret').waitFor();
  await saveScreenshot(page, `tokens-secret-${suffix}`);
  await reveal.getByRole('button', { name: 'I’ve copied it' }).click();
  await reveal.waitFor({ state: 'detached' });
  const row = page.getByRole('listitem').filter({ hasText: 'Screenshot token' });
  await row.getByRole('button', { name: /^Revoke/ }).click();
  await page
    .getByRole('dialog', { name: 'Revoke this token?' })
    .getByRole('button', { name: 'Revoke token' })
    .click();
  await row.waitFor({ state: 'detached' });

  await page.goto(`${server.url}/admin/users`);
  await page.getByRole('button', { name: 'Create user' }).click();
  const user = page.getByRole('dialog', { name: 'Create a user' });
  await user.getByRole('button', { name: 'Create user' }).click();
  await user.getByText('Enter your email address.').waitFor();
  await saveScreenshot(page, `admin-create-user-dialog-${suffix}`);
  await page.keyboard.press('Escape');
  await user.waitFor({ state: 'detached' });
}

async function userMenu(page: Page, suffix: string) {
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.getByRole('button', { name: /^Account menu for/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).waitFor();
  await saveScreenshot(page, `user-menu-${suffix}`);
  await page.keyboard.press('Escape');
}

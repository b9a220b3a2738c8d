import type { BrowserContext, Page } from 'playwright-core';

export interface Account {
  email: string;
  password: string;
  name: string;
  preferredName?: string;
}

/** Headers the web app sends; the server refuses cookie-authenticated changes without the CSRF one. */
const APP_HEADERS = { 'x-lumina-csrf': '1' };

/**
 * Calls the API with the context's cookies (the browser's session), as the web app would.
 * @example const me = await api(context, server.url, 'GET', '/api/auth/me');
 */
export async function api(
  context: BrowserContext,
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await context.request.fetch(`${baseUrl}${path}`, {
    method,
    headers: APP_HEADERS,
    ...(body === undefined ? {} : { data: body }),
  });
  const text = await response.text();
  return { status: response.status(), json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Creates an account through the API (the first becomes admin); the context is signed in as it. */
export async function signUpByApi(context: BrowserContext, baseUrl: string, account: Account) {
  const result = await api(context, baseUrl, 'POST', '/api/auth/signup', account);
  if (result.status !== 201)
    throw new Error(`sign-up failed: ${result.status} ${JSON.stringify(result.json)}`);
  return result.json.user as { id: string; role: string };
}

/** Signs the context in through the API (sets the session cookie). */
export async function signInByApi(
  context: BrowserContext,
  baseUrl: string,
  account: Pick<Account, 'email' | 'password'>,
) {
  const result = await api(context, baseUrl, 'POST', '/api/auth/login', {
    email: account.email,
    password: account.password,
  });
  if (result.status !== 200)
    throw new Error(`sign-in failed: ${result.status} ${JSON.stringify(result.json)}`);
}

/** Fills in and submits the sign-in form on the current page (which must be /login). */
export async function fillSignIn(page: Page, account: Pick<Account, 'email' | 'password'>) {
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Opens /login and signs in, then waits until the app has left the sign-in page. */
export async function signInThroughUi(
  page: Page,
  baseUrl: string,
  account: Pick<Account, 'email' | 'password'>,
) {
  await page.goto(`${baseUrl}/login`);
  await fillSignIn(page, account);
  await page.waitForURL((url) => url.pathname !== '/login');
}

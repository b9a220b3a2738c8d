/** Pages a signed-out person may see; never a place to return to after signing in. */
const AUTH_PAGES = new Set(['/login', '/signup']);

/**
 * Where to go after signing in: `next` when it is a path on this site, else "/". Refuses
 * absolute URLs, protocol-relative `//host`, backslash tricks (`/\host`, which browsers read as
 * `//host`), control characters and the sign-in pages themselves, so a crafted link cannot
 * bounce a person to another site (no open redirect) or into a loop.
 * @example safeNextPath('/settings/tokens?tab=1') // '/settings/tokens?tab=1'
 * @example safeNextPath('https://evil.example') // '/'
 */
export function safeNextPath(next: string | null | undefined, fallback = '/'): string {
  if (!next || next.length > 2048) return fallback;
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  let url: URL;
  try {
    const base = 'http://lumina.invalid';
    url = new URL(next, base);
    if (url.origin !== base) return fallback;
  } catch {
    return fallback;
  }
  if (AUTH_PAGES.has(url.pathname)) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** `/login?next=<path>` for the page a signed-out person tried to open. */
export function loginPathFor(location: { pathname: string; search: string; hash?: string }): string {
  const here = `${location.pathname}${location.search}${location.hash ?? ''}`;
  const next = safeNextPath(here, '');
  return next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login';
}

import { useAvatarPictureRequest } from './avatar-picture-request';

/** The longest link the server takes (its request schema says the same). */
export const MAX_PICTURE_LINK_LENGTH = 2000;

/**
 * What is wrong with a picture link before it is sent (the server's own rules: a whole http(s)
 * URL without a user name or password, at most 2,000 characters), or undefined when it may go.
 * @example pictureLinkProblem('ftp://example.org/a.png') // 'Only links that start with …'
 */
export function pictureLinkProblem(text: string): string | undefined {
  const value = text.trim();
  if (!value) return 'Paste the link of a picture.';
  if (value.length > MAX_PICTURE_LINK_LENGTH)
    return `That link is longer than ${MAX_PICTURE_LINK_LENGTH.toLocaleString('en')} characters. Use a shorter address for the picture.`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  // "example.org/fox.png" or "localhost:8080/fox.png": the address is fine, the scheme is missing.
  if (!value.includes('://') && !(scheme && KNOWN_SCHEMES.has(scheme))) {
    return parse(`https://${value}`)
      ? 'Add https:// at the start of the link.'
      : 'That isn’t a complete link. It should look like https://example.org/picture.png.';
  }
  const url = parse(value);
  if (!url) return 'That isn’t a complete link. It should look like https://example.org/picture.png.';
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'Only links that start with http:// or https:// can be imported.';
  if (url.username || url.password) return 'Links with a user name or password in them can’t be imported.';
  return undefined;
}

/**
 * Schemes that, written without "//", are not a web address missing its "https://" ("http:/x"
 * is one URL parsers fix themselves; "data:…" is not a web address at all).
 */
const KNOWN_SCHEMES = new Set([
  'http',
  'https',
  'data',
  'javascript',
  'mailto',
  'blob',
  'about',
  'file',
  'tel',
]);

function parse(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * Sets the avatar's picture from a link: the server downloads it and stores it like an upload.
 * `cancel()` stops the request (the server then stops its download).
 */
export function useImportPictureFromLink(avatarId: string) {
  return useAvatarPictureRequest((lumina, url: string, signal) =>
    lumina.POST('/api/avatars/{id}/image/url', {
      params: { path: { id: avatarId } },
      body: { url: url.trim() },
      signal,
    }),
  );
}

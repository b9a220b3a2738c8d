/** Protocols a link in a message may use; anything else (javascript:, data:, vbscript:, file:…) is dropped. */
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/**
 * The URL when a person may safely follow it from a message, else null. Relative and
 * protocol-less URLs are refused too: a model's text should not point into the app.
 * @example safeLinkUrl('javascript:alert(1)') // null
 */
export function safeLinkUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  // Browsers ignore control characters and spaces inside a scheme ("java\tscript:"); so does this.
  const trimmed = url.trim();
  if (trimmed.startsWith('#')) return trimmed;
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return null;
  }
  return SAFE_PROTOCOLS.has(parsed.protocol) ? parsed.href : null;
}

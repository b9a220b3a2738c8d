import { ATTACHMENT_LIMITS } from '../domain/attachment.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Bidirectional overrides and isolates: they make `gpj.exe` display as `exe.jpg`. */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/g;

/**
 * The name an upload is kept and served under: the last path segment only, NFC, without control
 * characters or bidirectional overrides, spaces collapsed, at most `maxNameChars` characters
 * (the extension kept when shortened). An empty result becomes `fallback`.
 *
 * @example sanitizeAttachmentName('C:\\Users\\ada\\re\u202eport.pdf') // 'report.pdf'
 */
export function sanitizeAttachmentName(raw: string | undefined, fallback = 'attachment'): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.normalize('NFC').replace(CONTROL, '').replace(BIDI, '').replace(/\s+/g, ' ').trim();
  const name = cleaned === '' || cleaned === '.' || cleaned === '..' ? fallback : cleaned;
  return shorten(name, ATTACHMENT_LIMITS.maxNameChars);
}

/** Cuts a name to `max` code points, keeping a short extension at the end. */
function shorten(name: string, max: number): string {
  const points = [...name];
  if (points.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  const keep = max - [...extension].length;
  return points.slice(0, keep).join('').trimEnd() + extension;
}

/** The counter appears once a message reaches this share of the server's limit. */
export const COUNTER_FROM = 0.9;

export type LimitLevel = 'under' | 'near' | 'over';

/**
 * How long a message is, counted as the server counts it (`content.length` in
 * reply.service.ts: UTF-16 code units, so an emoji is 2) over the text the app sends, which is
 * the box's text without leading and trailing white space.
 * @example messageLength('  hi 😀 \n') // 5
 */
export function messageLength(text: string): number {
  return text.trim().length;
}

/** Where a message of `length` stands against the limit; 'under' when the limit is unknown. */
export function limitLevel(length: number, max: number | null | undefined): LimitLevel {
  if (!max) return 'under';
  if (length > max) return 'over';
  return length >= max * COUNTER_FROM ? 'near' : 'under';
}

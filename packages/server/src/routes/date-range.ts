import { z } from 'zod';
import { invalidRequest } from '../errors.js';

const bound = (description: string) =>
  z
    .union([z.iso.datetime({ offset: true }), z.iso.date()])
    .optional()
    .describe(description);

/** `from`/`to` query parameters: an ISO date-time, or a date (UTC) meaning that whole day. */
export const dateRangeQuery = {
  from: bound('Start (inclusive): ISO date-time, or a date for the start of that day (UTC)'),
  to: bound('End (exclusive): ISO date-time, or a date to include that whole day (UTC)'),
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Turns the query bounds into a half-open range [from, to); a date-only `to` includes that day.
 * @example toDateRange({ from: '2026-01-01', to: '2026-01-31' }) // to = 2026-02-01T00:00:00Z
 */
export function toDateRange(query: { from?: string | undefined; to?: string | undefined }): {
  from: Date | undefined;
  to: Date | undefined;
} {
  const from = query.from
    ? new Date(DATE_ONLY.test(query.from) ? `${query.from}T00:00:00Z` : query.from)
    : undefined;
  const to = query.to
    ? DATE_ONLY.test(query.to)
      ? new Date(Date.parse(`${query.to}T00:00:00Z`) + DAY_MS)
      : new Date(query.to)
    : undefined;
  if (from && to && from >= to) throw invalidRequest('`from` must be before `to`', { field: 'from' });
  return { from, to };
}

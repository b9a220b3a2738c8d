const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** `June 19, 2023 2:20pm` (SillyTavern's message time before it switched to ISO 8601). */
const MERIDIEM = /^([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)$/i;
/** `2024-07-12@01h31m37s123ms`, `2024-7-12@01h31m37s`, `2024-6-5 @14h 56m 50s 682ms` (chat dates). */
const HUMANIZED = /^(\d{4})-(\d{1,2})-(\d{1,2})\s*@(\d{1,2})h\s*(\d{1,2})m\s*(\d{1,2})s(?:\s*(\d{1,3})ms)?$/;
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

// Between 1990 and 2200: anything else is not a chat timestamp.
const EARLIEST = Date.UTC(1990, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);

/**
 * A SillyTavern `send_date` / `create_date` as a Date, in any of the shapes SillyTavern has
 * written over the years: Unix milliseconds (TavernAI), `June 19, 2023 2:20pm`, the "humanized"
 * `2024-07-12@01h31m37s` forms and ISO 8601. Times written without a zone were local to the
 * writer's machine, which the file does not record; they are read as UTC. Undefined when
 * unreadable.
 *
 * @example parseSillyTavernDate('June 19, 2023 2:20pm') // 2023-06-19T14:20:00.000Z
 */
export function parseSillyTavernDate(value: unknown): Date | undefined {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return fromEpoch(Number(text));
  const meridiem = MERIDIEM.exec(text);
  if (meridiem) {
    const [, monthName, day, year, hour, minute, second, half] = meridiem;
    const month = MONTHS.findIndex((m) => m.startsWith(monthName!.toLowerCase().slice(0, 3)));
    if (month < 0) return undefined;
    const hour24 = (Number(hour) % 12) + (half!.toLowerCase() === 'pm' ? 12 : 0);
    return valid(Date.UTC(Number(year), month, Number(day), hour24, Number(minute), Number(second ?? 0)));
  }
  const humanized = HUMANIZED.exec(text);
  if (humanized) {
    const [, year, month, day, hour, minute, second, ms] = humanized;
    return valid(
      Date.UTC(
        Number(year),
        Number(month) - 1,
        Number(day),
        Number(hour),
        Number(minute),
        Number(second),
        Number(ms ?? 0),
      ),
    );
  }
  if (ISO.test(text)) {
    // A date-time without a zone is local time to Date.parse; SillyTavern's were written as UTC.
    const zoned = /T|\s/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? `${text}Z` : text;
    return valid(Date.parse(zoned.replace(' ', 'T')));
  }
  return undefined;
}

/** Milliseconds since 1970, or seconds when the number is too small to be milliseconds. */
function fromEpoch(value: number): Date | undefined {
  if (!Number.isFinite(value)) return undefined;
  return valid(value < 1e11 ? value * 1000 : value);
}

function valid(ms: number): Date | undefined {
  return Number.isFinite(ms) && ms >= EARLIEST && ms <= LATEST ? new Date(ms) : undefined;
}

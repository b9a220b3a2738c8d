import type { ModelPrice } from './models';

/** One row of the price editor, as typed (numbers are text until saved). */
export interface PriceRow {
  key: string;
  pattern: string;
  input: string;
  output: string;
}

export type PriceRowErrors = Partial<Record<'pattern' | 'input' | 'output', string>>;

let nextKey = 0;
export function newRowKey(): string {
  nextKey += 1;
  return `row-${nextKey}`;
}

export function rowsFromPrices(prices: readonly ModelPrice[]): PriceRow[] {
  return prices.map((p) => ({
    key: newRowKey(),
    pattern: p.pattern,
    input: String(p.inputUsdPerMillion),
    output: String(p.outputUsdPerMillion),
  }));
}

const MAX_PRICE = 100_000;

function priceProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return 'Enter a price (0 for free).';
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value < 0) return 'Use a number of 0 or more.';
  if (value > MAX_PRICE) return `At most ${MAX_PRICE.toLocaleString('en')}.`;
  return undefined;
}

/**
 * Checks the table as the server will: a pattern is a model id (`provider/model`) or a prefix
 * ending in `*`, each at most once; prices are numbers from 0 to 100,000 per million tokens.
 * Returns the problems by row key (empty when the table can be saved).
 */
export function validatePriceRows(rows: readonly PriceRow[]): Record<string, PriceRowErrors> {
  const errors: Record<string, PriceRowErrors> = {};
  const seen = new Set<string>();
  for (const row of rows) {
    const problems: PriceRowErrors = {};
    const pattern = row.pattern.trim();
    if (!pattern) problems.pattern = 'Enter a model id or a prefix ending in *.';
    else if (/\s/.test(pattern)) problems.pattern = 'No spaces: e.g. openai/gpt-4o.';
    else if (pattern.length < 3 || pattern.length > 300) problems.pattern = 'Use 3 to 300 characters.';
    else if (pattern.slice(0, -1).includes('*')) problems.pattern = 'A * may only come last.';
    else if (!pattern.includes('/') && !pattern.endsWith('*'))
      problems.pattern = 'Use provider/model (e.g. openai/gpt-4o) or a prefix ending in *.';
    else if (seen.has(pattern)) problems.pattern = 'This pattern is already in the table.';
    if (pattern) seen.add(pattern);
    const input = priceProblem(row.input);
    const output = priceProblem(row.output);
    if (input) problems.input = input;
    if (output) problems.output = output;
    if (Object.keys(problems).length > 0) errors[row.key] = problems;
  }
  return errors;
}

export function pricesFromRows(rows: readonly PriceRow[]): ModelPrice[] {
  return rows.map((row) => ({
    pattern: row.pattern.trim(),
    inputUsdPerMillion: Number(row.input.trim()),
    outputUsdPerMillion: Number(row.output.trim()),
  }));
}

/** Whether the rows say the same as the saved prices (to enable Save). */
export function samePrices(rows: readonly PriceRow[], saved: readonly ModelPrice[]): boolean {
  if (rows.length !== saved.length) return false;
  return rows.every((row, i) => {
    const price = saved[i]!;
    return (
      row.pattern.trim() === price.pattern &&
      Number(row.input) === price.inputUsdPerMillion &&
      Number(row.output) === price.outputUsdPerMillion &&
      row.input.trim() !== '' &&
      row.output.trim() !== ''
    );
  });
}

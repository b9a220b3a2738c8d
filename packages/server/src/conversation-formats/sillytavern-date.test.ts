import { describe, expect, it } from 'vitest';
import { parseSillyTavernDate } from './sillytavern-date.js';

describe('parseSillyTavernDate', () => {
  it.each([
    [1674563371558, '2023-01-24T12:29:31.558Z'],
    ['1674563371558', '2023-01-24T12:29:31.558Z'],
    [1674563371, '2023-01-24T12:29:31.000Z'],
    ['June 19, 2023 2:20pm', '2023-06-19T14:20:00.000Z'],
    ['September 26, 2025 12:04am', '2025-09-26T00:04:00.000Z'],
    ['December 1, 2024 12:30pm', '2024-12-01T12:30:00.000Z'],
    ['2024-07-12@01h31m37s123ms', '2024-07-12T01:31:37.123Z'],
    ['2024-7-12@01h31m37s', '2024-07-12T01:31:37.000Z'],
    ['2024-6-5 @14h 56m 50s 682ms', '2024-06-05T14:56:50.682Z'],
    ['2025-09-26T07:04:12.006Z', '2025-09-26T07:04:12.006Z'],
    ['2025-09-26T09:04:12+02:00', '2025-09-26T07:04:12.000Z'],
    ['2024-01-01T12:00:00', '2024-01-01T12:00:00.000Z'],
  ])('reads %j', (input, iso) => {
    expect(parseSillyTavernDate(input)?.toISOString()).toBe(iso);
  });

  it.each([
    undefined,
    null,
    '',
    'yesterday',
    'x',
    -5,
    Number.NaN,
    'Smarch 3, 2024 1:00pm',
    '1900-01-01T00:00:00Z',
    {},
  ])('gives up on %j', (input) => {
    expect(parseSillyTavernDate(input)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { cleanTitle, fallbackTitle } from './conversation-title.service.js';

describe('conversation titles', () => {
  it('strips a label, straight and curly quotes, markdown marks and a final period', () => {
    expect(cleanTitle('Title: "Trip to Rome".')).toBe('Trip to Rome');
    expect(cleanTitle('\u201CWeekend plans\u201D')).toBe('Weekend plans');
    expect(cleanTitle('\u2018Hi there\u2019')).toBe('Hi there');
    expect(cleanTitle('# **Bread baking**')).toBe('Bread baking');
    expect(cleanTitle('"Trip to Rome."')).toBe('Trip to Rome');
    expect(cleanTitle("\n\n  subject: 'Moving house'  \nsecond line")).toBe('Moving house');
    expect(cleanTitle('Saturn has **146** known moons')).toBe('Saturn has 146 known moons');
    expect(cleanTitle('The `git rebase` question and *why* __it__ matters')).toBe(
      'The git rebase question and why it matters',
    );
    expect(cleanTitle('snake_case_names and 2 * 3 * 4')).toBe('snake_case_names and 2 * 3 * 4');
  });

  it('keeps quotes inside the title and falls back to the text when the model said nothing', () => {
    expect(cleanTitle('The \u201Cbest\u201D pizza')).toBe('The \u201Cbest\u201D pizza');
    expect(fallbackTitle('How do I bake sourdough at home?').length).toBeGreaterThan(0);
  });
});

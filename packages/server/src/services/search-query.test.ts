import { describe, expect, it } from 'vitest';
import { hasTerms, parseSearchQuery } from './search-query.js';

describe('parseSearchQuery', () => {
  it('treats the last word as typed so far', () => {
    expect(parseSearchQuery('dragon eg')).toEqual({ text: 'dragon', prefix: { word: 'eg', join: 'and' } });
    expect(parseSearchQuery('drag')).toEqual({ text: '', prefix: { word: 'drag', join: 'and' } });
    expect(parseSearchQuery('Café crè')).toEqual({ text: 'Café', prefix: { word: 'crè', join: 'and' } });
  });

  it('matches the whole word once a space follows it', () => {
    expect(parseSearchQuery('dragon egg ')).toEqual({ text: 'dragon egg', prefix: null });
  });

  it('keeps an `or` before the last word', () => {
    expect(parseSearchQuery('cats or do')).toEqual({ text: 'cats', prefix: { word: 'do', join: 'or' } });
    expect(parseSearchQuery('a b OR c1')).toEqual({ text: 'a b', prefix: { word: 'c1', join: 'or' } });
  });

  it('leaves exclusions, open phrases and one-letter words to websearch', () => {
    expect(parseSearchQuery('cats -dog')).toEqual({ text: 'cats -dog', prefix: null });
    expect(parseSearchQuery('"red drag')).toEqual({ text: '"red drag', prefix: null });
    expect(parseSearchQuery('dragon a')).toEqual({ text: 'dragon a', prefix: null });
    expect(parseSearchQuery('"red dragon" eg').prefix).toEqual({ word: 'eg', join: 'and' });
  });

  it('never puts tsquery syntax into the prefix word', () => {
    for (const q of ["it's", 'foo:*', 'a&b', 'x|y', '!(z)', "o'reilly", 'back\\slash']) {
      const { prefix } = parseSearchQuery(q);
      if (prefix) expect(prefix.word).toMatch(/^[\p{L}\p{N}]+$/u);
    }
  });

  it('finds no terms in text without letters or digits', () => {
    expect(hasTerms(parseSearchQuery(':*&|!()'))).toBe(false);
    expect(hasTerms(parseSearchQuery('   '))).toBe(false);
    expect(parseSearchQuery('!!! dragon').text).toBe('');
    expect(hasTerms(parseSearchQuery('!!! dragon'))).toBe(true);
  });
});

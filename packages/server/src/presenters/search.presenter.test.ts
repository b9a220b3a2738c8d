import { describe, expect, it } from 'vitest';
import { LESS_THAN, MATCH_END, MATCH_START } from '../repositories/message-search.repository.js';
import { toSnippetSegments } from './search.presenter.js';

const mark = (word: string) => `${MATCH_START}${word}${MATCH_END}`;

describe('toSnippetSegments', () => {
  it('splits ts_headline output into plain text and matches', () => {
    expect(toSnippetSegments(`The ${mark('dragon')} sleeps by the ${mark('egg')}`)).toEqual([
      { text: 'The ', match: false },
      { text: 'dragon', match: true },
      { text: ' sleeps by the ', match: false },
      { text: 'egg', match: true },
    ]);
  });

  it('gives back `<` and keeps markup as text', () => {
    const headline = `${LESS_THAN}script>alert(1)${LESS_THAN}/script> ${mark('dragon')}`;
    expect(toSnippetSegments(headline)).toEqual([
      { text: '<script>alert(1)</script> ', match: false },
      { text: 'dragon', match: true },
    ]);
  });

  it('drops a start marker with no end', () => {
    expect(toSnippetSegments(`a ${MATCH_START}b`)).toEqual([{ text: 'a b', match: false }]);
    expect(toSnippetSegments('')).toEqual([]);
  });
});

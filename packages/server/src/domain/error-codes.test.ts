import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode, PROVIDER_ERROR_CODES } from './error-codes.js';

describe('error codes', () => {
  it('are unique snake_case words', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it('tell our codes from others read from outside', () => {
    for (const code of PROVIDER_ERROR_CODES) expect(isErrorCode(code)).toBe(true);
    expect(isErrorCode('message_not_found')).toBe(true);
    expect(isErrorCode('Failed query: select 1')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { missingCiServices } from './global-setup.js';

const DB = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = 'redis://127.0.0.1:6379';

describe('the test run on CI', () => {
  it('refuses to start without the PostgreSQL or Redis server, naming what is missing', () => {
    expect(missingCiServices({ CI: 'true' })).toMatch(
      /^CI is set but TEST_DATABASE_URL and TEST_REDIS_URL are not: the PostgreSQL and Redis variants/,
    );
    expect(missingCiServices({ CI: 'true', TEST_REDIS_URL: REDIS })).toMatch(
      /^CI is set but TEST_DATABASE_URL is not:/,
    );
    expect(missingCiServices({ CI: '1', TEST_DATABASE_URL: DB, TEST_REDIS_URL: ' ' })).toMatch(
      /^CI is set but TEST_REDIS_URL is not:/,
    );
  });

  it('starts when both servers are given, or outside CI (their variants then show as skipped)', () => {
    expect(missingCiServices({ CI: 'true', TEST_DATABASE_URL: DB, TEST_REDIS_URL: REDIS })).toBeUndefined();
    expect(missingCiServices({})).toBeUndefined();
    expect(missingCiServices({ CI: 'false' })).toBeUndefined();
    expect(missingCiServices({ CI: '0' })).toBeUndefined();
  });
});

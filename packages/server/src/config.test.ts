import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: path.resolve('./data'),
      databaseUrl: undefined,
      redisUrl: undefined,
      logLevel: 'info',
      bodyLimit: 1024 * 1024,
      trustProxy: false,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('parses values and treats empty variables as unset', () => {
    const config = loadConfig({
      PORT: '3000',
      DATABASE_URL: 'postgres://lumina:pw@db:5432/lumina',
      REDIS_URL: 'redis://cache:6379',
      LUMINA_BODY_LIMIT: '2mib',
      LUMINA_TRUST_PROXY: 'true',
      LOG_LEVEL: '',
    });
    expect(config.port).toBe(3000);
    expect(config.bodyLimit).toBe(2 * 1024 * 1024);
    expect(config.trustProxy).toBe(true);
    expect(config.logLevel).toBe('info');
    expect(config.redisUrl).toBe('redis://cache:6379');
  });

  it('reads the voice endpointing silences (end of turn, segment)', () => {
    expect(loadConfig({}).voice).toEqual({ endSilenceMs: 450, segmentSilenceMs: 160 });
    expect(
      loadConfig({ LUMINA_VOICE_END_SILENCE_MS: '800', LUMINA_VOICE_SEGMENT_SILENCE_MS: '0' }).voice,
    ).toEqual({ endSilenceMs: 800, segmentSilenceMs: 0 });
    expect(() => loadConfig({ LUMINA_VOICE_END_SILENCE_MS: '50' })).toThrow(/LUMINA_VOICE_END_SILENCE_MS/);
  });

  it.each([
    ['PORT', 'eighty', /^invalid configuration: PORT .*"eighty"/],
    ['PORT', '70000', /PORT/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['DATABASE_URL', 'mysql://x@y/z', /DATABASE_URL must be a postgres:\/\//],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL must be a redis:\/\//],
    ['LUMINA_BODY_LIMIT', 'lots', /LUMINA_BODY_LIMIT/],
    ['LUMINA_TRUST_PROXY', 'maybe', /LUMINA_TRUST_PROXY must be true or false/],
  ])('refuses a bad %s with one line', (key, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [key]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('never echoes a database URL (it may hold a password)', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@db/x' })).toThrow(/^(?!.*hunter2)/);
  });
});

import { describe, expect, it } from 'vitest';
import { provider } from '../test/model-fixtures';
import { healthWording, problemAdvice, problemSummary } from './provider-health';

const failing = (code: string | null, message: string | null = 'raw vendor text') =>
  provider({
    id: 'openai',
    health: { status: 'error', code, message, latencyMs: 40, checkedAt: '2026-01-01T00:00:00.000Z' },
  });

describe('healthWording', () => {
  it.each([
    ['provider_auth_failed', 'Key refused', 'The API key was refused'],
    ['provider_unavailable', 'Unreachable', 'Lumina can’t reach this provider'],
    ['provider_timeout', 'Too slow', 'The provider didn’t answer in time'],
    ['provider_rate_limited', 'Rate limited', 'The provider is turning requests away for now (rate limit)'],
    [
      'provider_protocol_error',
      'Unexpected answer',
      'The provider answered in a way Lumina doesn’t understand',
    ],
    ['model_not_found', 'Model missing', 'The model isn’t available on this provider'],
    ['local_only', 'Blocked', 'Local-only mode is on, so cloud models can’t be used'],
  ])('says %s in plain words', (code, badge, summary) => {
    const wording = healthWording(failing(code));
    expect(wording).toMatchObject({ tone: 'bad', badge, summary });
    expect(wording.advice).toBeTruthy();
  });

  it('falls back to the provider’s own message for an unknown code', () => {
    expect(healthWording(failing('weird_new_code', 'Quota exhausted for project x'))).toMatchObject({
      tone: 'bad',
      badge: 'Not working',
      summary: 'Quota exhausted for project x',
    });
    expect(healthWording(failing(null, null)).summary).toBe('The last check failed');
  });

  it('says working, not checked yet, and turned off', () => {
    expect(healthWording(provider({ id: 'ollama' }))).toEqual({
      tone: 'ok',
      badge: 'Working',
      summary: null,
      advice: null,
    });
    const unknown = provider({
      id: 'ollama',
      health: { status: 'unknown', code: null, message: null, latencyMs: null, checkedAt: null },
    });
    expect(healthWording(unknown)).toMatchObject({ tone: 'neutral', badge: 'Not checked yet' });
    // A disabled provider's stale error is not shown as a failure.
    expect(healthWording({ ...failing('provider_auth_failed'), enabled: false })).toMatchObject({
      tone: 'neutral',
      badge: 'Turned off',
      summary: null,
    });
  });

  it('explains the embedded engine rather than blaming a network', () => {
    const engine = {
      ...failing('provider_unavailable', 'The models directory is missing'),
      kind: 'llama-cpp',
    };
    expect(healthWording(engine)).toMatchObject({
      badge: 'Not ready',
      summary: 'The embedded engine can’t run a model yet',
    });
  });
});

describe('problemSummary', () => {
  it('maps stream error codes and keeps unknown messages', () => {
    expect(problemSummary('provider_auth_failed')).toBe('The API key was refused');
    expect(problemSummary('something_else', 'The GPU caught fire')).toBe('The GPU caught fire');
    expect(problemSummary(null)).toBe('Something went wrong');
    expect(problemAdvice('no_model_configured')).toMatch(/default model/);
    expect(problemAdvice('unknown')).toBeNull();
  });
});

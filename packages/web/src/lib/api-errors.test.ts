import { LuminaApiError, LuminaNetworkError } from '@lumina/sdk';
import { describe, expect, it } from 'vitest';
// The server's own list, so a code added there without words here fails this test.
import { PROVIDER_ERROR_CODES } from '../../../server/src/domain/error-codes';
import { errorKind, friendlyMessage, serverErrorRequestId } from './api-errors';

/** What a provider failure answers on a non-streaming call (packages/server/src/http/error-handler.ts). */
const PROVIDER_STATUS: Record<(typeof PROVIDER_ERROR_CODES)[number], number> = {
  provider_auth_failed: 502,
  model_not_found: 404,
  provider_protocol_error: 502,
  model_bad_output: 502,
  provider_timeout: 504,
  provider_unavailable: 503,
  provider_rate_limited: 429,
  provider_bad_request: 400,
  context_length_exceeded: 400,
  local_only: 403,
  outbound_address_blocked: 400,
  cancelled: 499,
};

const apiError = (status: number, code: string, message = 'the server’s own words') =>
  new LuminaApiError(status, code, message, 'req-123');

const GENERIC = [
  'Something went wrong on the server. Please try again in a moment.',
  'Something went wrong. Please try again.',
  'the server’s own words',
];

describe('friendlyMessage says whose fault a failure is', () => {
  it('blames the model for an answer that does not fit the expected shape', () => {
    const error = apiError(502, 'model_bad_output', 'The model’s answer did not have the expected shape');
    expect(friendlyMessage(error)).toBe(
      'The model’s answer didn’t have the expected shape — try again or pick another model.',
    );
    expect(errorKind(error)).toBe('model');
  });

  it('blames the network when Lumina cannot be reached', () => {
    const error = new LuminaNetworkError('fetch failed');
    expect(friendlyMessage(error)).toMatch(/^Can’t reach the Lumina server/);
    expect(errorKind(error)).toBe('network');
  });

  it('blames the network when a proxy in front of Lumina answers 502/503/504 without our error shape', () => {
    for (const status of [502, 503, 504]) {
      const error = new LuminaApiError(status, 'server_error', `The server answered ${status}`);
      expect(friendlyMessage(error)).toMatch(/^Can’t reach the Lumina server/);
      expect(errorKind(error)).toBe('network');
      expect(serverErrorRequestId(error)).toBeUndefined();
    }
  });

  it('blames the connection to the provider when the model provider is unreachable', () => {
    const error = apiError(503, 'provider_unavailable');
    expect(friendlyMessage(error)).toMatch(/^Lumina couldn’t reach the model provider/);
    expect(errorKind(error)).toBe('provider');
  });

  it('blames the server for its own faults, and keeps the request id to quote', () => {
    const error = apiError(500, 'internal_error', 'Something went wrong on our side.');
    expect(friendlyMessage(error)).toBe('Something went wrong on the server. Please try again in a moment.');
    expect(errorKind(error)).toBe('server');
    expect(serverErrorRequestId(error)).toBe('req-123');
    expect(serverErrorRequestId(apiError(500, 'secret_decrypt_failed'))).toBe('req-123');
    expect(errorKind(apiError(500, 'secret_decrypt_failed'))).toBe('server');
  });

  it('keeps the request id of a model fault too (the server logged it)', () => {
    expect(serverErrorRequestId(apiError(502, 'model_bad_output'))).toBe('req-123');
    expect(serverErrorRequestId(apiError(400, 'invalid_request'))).toBeUndefined();
  });

  it.each([...PROVIDER_ERROR_CODES, 'no_model_configured'])(
    '%s has its own sentence, never the server’s fault',
    (code) => {
      const status = PROVIDER_STATUS[code as keyof typeof PROVIDER_STATUS] ?? 409;
      const error = apiError(status, code);
      const message = friendlyMessage(error);
      expect(GENERIC).not.toContain(message);
      expect(message).not.toMatch(/went wrong on the server/);
      expect(errorKind(error)).not.toBe('server');
    },
  );

  it('gives each model-call failure a sentence of its own', () => {
    const sentences = PROVIDER_ERROR_CODES.map((code) =>
      friendlyMessage(apiError(PROVIDER_STATUS[code], code)),
    );
    expect(new Set(sentences).size).toBe(sentences.length);
  });

  it('tells the kinds apart for every code a model call can end with', () => {
    const kinds = Object.fromEntries(
      PROVIDER_ERROR_CODES.map((code) => [code, errorKind(apiError(PROVIDER_STATUS[code], code))]),
    );
    expect(kinds).toMatchObject({
      model_bad_output: 'model',
      model_not_found: 'model',
      context_length_exceeded: 'model',
      provider_unavailable: 'provider',
      provider_timeout: 'provider',
      provider_auth_failed: 'provider',
      provider_rate_limited: 'provider',
      provider_protocol_error: 'provider',
      provider_bad_request: 'provider',
    });
  });

  it('says the server is busy for its own 503s', () => {
    for (const code of ['service_busy', 'database_unavailable', 'jobs_unavailable'])
      expect(friendlyMessage(apiError(503, code))).toBe(
        'The server is busy right now. Please try again in a moment.',
      );
  });

  it('still uses the server’s words for request errors it has no sentence for', () => {
    expect(friendlyMessage(apiError(409, 'participant_exists', 'Already in the conversation'))).toBe(
      'Already in the conversation',
    );
  });
});

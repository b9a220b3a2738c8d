import { APICallError } from 'ai';
import { describe, expect, it } from 'vitest';
import { httpProviderError, toProviderError } from './adapters/provider-errors.js';

describe('httpProviderError', () => {
  it.each([
    [
      401,
      '{"error":{"message":"Incorrect API key provided","code":"invalid_api_key"}}',
      'provider_auth_failed',
      false,
    ],
    [403, '{"error":{"message":"forbidden"}}', 'provider_auth_failed', false],
    [
      400,
      '{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}',
      'provider_auth_failed',
      false,
    ],
    [404, '{"error":"model \\"qwen\\" not found, try pulling it first"}', 'model_not_found', false],
    [
      400,
      '{"object":"error","message":"Invalid model: x","type":"invalid_model","param":null,"code":"1500"}',
      'model_not_found',
      false,
    ],
    [
      400,
      '{"error":{"message":"This model\'s maximum context length is 8192 tokens.","code":"context_length_exceeded"}}',
      'context_length_exceeded',
      false,
    ],
    [
      400,
      '{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 208000 tokens > 200000 maximum"}}',
      'context_length_exceeded',
      false,
    ],
    [400, '{"error":{"message":"temperature must be <= 2"}}', 'provider_bad_request', false],
    [429, '{"error":{"message":"Rate limit reached"}}', 'provider_rate_limited', true],
    [500, '{"error":{"message":"boom"}}', 'provider_unavailable', true],
    [
      529,
      '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      'provider_unavailable',
      true,
    ],
    [504, '<html>gateway timeout</html>', 'provider_timeout', true],
  ])('maps %i %s to %s', (status, body, code, retryable) => {
    const error = httpProviderError(status, body);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
  });

  it('never puts the remote text into ours: the body picks the code, the message is our own', () => {
    const secret = 'INTERNAL-SECRET-7f3a';
    for (const status of [400, 401, 404, 429, 500, 503]) {
      const error = httpProviderError(status, `{"error":{"message":"${secret}"}} ${secret}`);
      expect(error.message).not.toContain(secret);
      expect(error.message).toContain(String(status));
    }
  });

  it('keeps socket and SDK messages (addresses, ports, quoted bodies) out of its messages', () => {
    const secret = 'INTERNAL-SECRET-7f3a';
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error(`connect ECONNREFUSED 10.0.0.5:6379 ${secret}`), {
        code: 'ECONNREFUSED',
      }),
    });
    const parse = Object.assign(new Error(`JSON parsing failed: Text: ${secret}`), {
      name: 'AI_JSONParseError',
    });
    const odd = new Error(secret);
    for (const error of [refused, parse, odd]) expect(toProviderError(error).message).not.toContain(secret);
  });
});

describe('toProviderError', () => {
  it('reads the status of an AI SDK APICallError', () => {
    const error = new APICallError({
      message: 'Unauthorized',
      url: 'http://x',
      requestBodyValues: {},
      statusCode: 401,
      responseBody: '{"message":"Unauthorized"}',
    });
    expect(toProviderError(error).code).toBe('provider_auth_failed');
  });

  it('maps refused connections and cut bodies to a retryable outage', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(toProviderError(refused)).toMatchObject({ code: 'provider_unavailable', retryable: true });
    const cut = new Error('Failed to process successful response', {
      cause: new TypeError('terminated', {
        cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
      }),
    });
    expect(toProviderError(cut)).toMatchObject({ code: 'provider_unavailable', retryable: true });
  });

  it('maps parse failures to provider_protocol_error and timeouts to provider_timeout', () => {
    const parse = Object.assign(new Error('JSON parsing failed'), { name: 'AI_JSONParseError' });
    expect(toProviderError(parse).code).toBe('provider_protocol_error');
    expect(toProviderError(new DOMException('timed out', 'TimeoutError'))).toMatchObject({
      code: 'provider_timeout',
      retryable: true,
    });
  });
});

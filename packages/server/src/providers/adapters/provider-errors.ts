import { type AISDKError, APICallError, RetryError } from 'ai';
import { findOutboundError } from '../../net/outbound-errors.js';
import { ProviderError } from '../types.js';

/** Socket-level failures: the provider is down or the connection broke mid-way. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** AI SDK errors that mean "the provider answered something we cannot understand". */
const PROTOCOL_ERROR_NAMES = new Set([
  'AI_JSONParseError',
  'AI_TypeValidationError',
  'AI_InvalidResponseDataError',
  'AI_EmptyResponseBodyError',
  'AI_NoObjectGeneratedError',
  'AI_NoOutputGeneratedError',
  'AI_InvalidToolInputError',
  'AI_NoSuchToolError',
]);

const MODEL_NOT_FOUND =
  /model.{0,80}(not found|does not exist|not_found)|invalid[ _]model|unknown model|no such model/i;
const CONTEXT_TOO_LONG =
  /context[ _]length|maximum context|context window|prompt is too long|too many (input )?tokens|input is too long|exceeds the (maximum|context)/i;
const BAD_KEY =
  /api[ _]key not valid|api_key_invalid|invalid[ _]api[ _]key|incorrect api key|unauthori[sz]ed/i;

/**
 * Maps anything a provider call can throw (AI SDK errors, fetch/undici errors, aborts, our own
 * ProviderError) to a ProviderError with a stable code and the right `retryable` flag.
 * @example
 * try { await generateText({ model, prompt, maxRetries: 0 }); }
 * catch (error) { throw toProviderError(error); }
 */
export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  // The guarded client's refusals and limits come first: they may sit inside an AI SDK error.
  const outbound = findOutboundError(error);
  if (outbound) return fromOutboundError(outbound.code, outbound.message);
  if (RetryError.isInstance(error)) return toProviderError(error.lastError);
  if (APICallError.isInstance(error) && error.statusCode !== undefined && error.statusCode >= 400) {
    return httpProviderError(error.statusCode, error.responseBody);
  }
  // Every message below is ours: SDK and socket messages quote remote bodies and addresses.
  const named = error as Partial<AISDKError> & { name?: string; code?: string };
  if (named?.name === 'AI_NoSuchModelError')
    return new ProviderError('model_not_found', 'the provider does not offer this model', false);
  if (named?.name === 'TimeoutError')
    return new ProviderError('provider_timeout', 'the provider did not answer in time', true);
  if (named?.name === 'AbortError') return new ProviderError('cancelled', 'the request was cancelled', false);
  const network = networkCause(error);
  if (network === 'timeout')
    return new ProviderError('provider_timeout', 'the provider did not answer in time', true);
  if (network === 'unavailable')
    return new ProviderError('provider_unavailable', 'the connection to the provider failed', true);
  if (named?.name && PROTOCOL_ERROR_NAMES.has(named.name)) {
    return new ProviderError(
      'provider_protocol_error',
      `the provider's answer could not be understood (${named.name})`,
      false,
    );
  }
  return new ProviderError(
    'provider_protocol_error',
    `the provider call failed (${error instanceof Error ? error.name : typeof error})`,
    false,
  );
}

/** The guarded client's codes in the provider vocabulary; blocked keeps its own code. */
function fromOutboundError(code: string, message: string): ProviderError {
  switch (code) {
    case 'outbound_address_blocked':
      return new ProviderError('outbound_address_blocked', message, false);
    case 'outbound_timeout':
      return new ProviderError('provider_timeout', 'the provider did not answer in time', true);
    case 'outbound_unreachable':
      return new ProviderError('provider_unavailable', 'the connection to the provider failed', true);
    case 'outbound_url_refused':
      return new ProviderError('provider_bad_request', message, false);
    default: // outbound_line_too_long, outbound_response_too_large
      return new ProviderError(
        'provider_protocol_error',
        `the provider's answer broke a limit: ${message}`,
        false,
      );
  }
}

/**
 * Maps an HTTP error answer to a ProviderError, reading the vendor's error body: the status
 * decides most cases, the message the rest (Gemini reports a bad key as 400, Mistral an
 * unknown model as 400 `invalid_model`, everyone reports an over-long prompt as 400). The body
 * only picks the code: the message is ours, so a provider aimed at some internal service cannot
 * read that service's answers back through errors (docs/security.md, "Outbound requests").
 * @example throw httpProviderError(response.status, await response.text());
 */
export function httpProviderError(status: number, body?: string): ProviderError {
  const text = body ?? '';
  const error = (code: ProviderError['code'], what: string, retryable: boolean) =>
    new ProviderError(code, `${what} (HTTP ${status})`, retryable, status);
  if (status === 401 || status === 403 || (status === 400 && BAD_KEY.test(text))) {
    return error('provider_auth_failed', 'the provider refused the credentials', false);
  }
  if (status === 429) return error('provider_rate_limited', 'the provider is limiting requests', true);
  if (status === 408 || status === 504) return error('provider_timeout', 'the provider timed out', true);
  if (status >= 500) return error('provider_unavailable', 'the provider failed', true);
  if (CONTEXT_TOO_LONG.test(text))
    return error('context_length_exceeded', "the prompt is longer than the model's context window", false);
  if (status === 404 || MODEL_NOT_FOUND.test(text))
    return error('model_not_found', 'the provider does not know this model', false);
  return error('provider_bad_request', 'the provider refused the request', false);
}

function networkCause(error: unknown): 'timeout' | 'unavailable' | null {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return 'timeout';
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'unavailable';
    // undici reports a body cut mid-way as TypeError('terminated') and refusals as 'fetch failed'.
    if (current instanceof TypeError && (message === 'terminated' || message === 'fetch failed'))
      return 'unavailable';
    current = cause;
  }
  return null;
}

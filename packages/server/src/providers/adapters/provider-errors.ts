import { type AISDKError, APICallError, RetryError } from 'ai';
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
  if (RetryError.isInstance(error)) return toProviderError(error.lastError);
  if (APICallError.isInstance(error) && error.statusCode !== undefined && error.statusCode >= 400) {
    return httpProviderError(error.statusCode, error.responseBody, error.message);
  }
  const named = error as Partial<AISDKError> & { name?: string; code?: string };
  if (named?.name === 'AI_NoSuchModelError')
    return new ProviderError('model_not_found', messageOf(error), false);
  if (named?.name === 'TimeoutError')
    return new ProviderError('provider_timeout', 'the provider did not answer in time', true);
  if (named?.name === 'AbortError') return new ProviderError('cancelled', 'the request was cancelled', false);
  const network = networkCause(error);
  if (network === 'timeout')
    return new ProviderError('provider_timeout', `provider timed out: ${messageOf(error)}`, true);
  if (network === 'unavailable') {
    return new ProviderError(
      'provider_unavailable',
      `provider connection failed: ${describeChain(error)}`,
      true,
    );
  }
  if (named?.name && PROTOCOL_ERROR_NAMES.has(named.name)) {
    return new ProviderError(
      'provider_protocol_error',
      `unexpected provider response: ${messageOf(error)}`,
      false,
    );
  }
  return new ProviderError('provider_protocol_error', `provider call failed: ${messageOf(error)}`, false);
}

/**
 * Maps an HTTP error answer to a ProviderError, reading the vendor's error body: the status
 * decides most cases, the message the rest (Gemini reports a bad key as 400, Mistral an
 * unknown model as 400 `invalid_model`, everyone reports an over-long prompt as 400).
 * @example throw httpProviderError(response.status, await response.text());
 */
export function httpProviderError(status: number, body?: string, fallbackMessage?: string): ProviderError {
  const detail = vendorMessage(body) ?? fallbackMessage ?? `HTTP ${status}`;
  const text = `${detail} ${body ?? ''}`;
  const message = `provider answered ${status}: ${detail}`;
  if (status === 401 || status === 403 || (status === 400 && BAD_KEY.test(text))) {
    return new ProviderError('provider_auth_failed', message, false, status);
  }
  if (status === 429) return new ProviderError('provider_rate_limited', message, true, status);
  if (status === 408 || status === 504) return new ProviderError('provider_timeout', message, true, status);
  if (status >= 500) return new ProviderError('provider_unavailable', message, true, status);
  if (CONTEXT_TOO_LONG.test(text))
    return new ProviderError('context_length_exceeded', message, false, status);
  if (status === 404 || MODEL_NOT_FOUND.test(text))
    return new ProviderError('model_not_found', message, false, status);
  return new ProviderError('provider_bad_request', message, false, status);
}

/** The human message inside the usual vendor error bodies, if any. */
function vendorMessage(body?: string): string | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const error = parsed.error;
    if (typeof error === 'string') return error; // Ollama: {"error":"…"}
    if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
      return (error as { message: string }).message; // OpenAI, Anthropic, Gemini, Groq
    }
    if (typeof parsed.message === 'string') return parsed.message; // Mistral
    if (typeof parsed.detail === 'string') return parsed.detail;
  } catch {
    // Not JSON (a proxy's HTML page): fall through to the truncated text.
  }
  return body.slice(0, 200);
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeChain(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    parts.push(messageOf(current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(': ');
}

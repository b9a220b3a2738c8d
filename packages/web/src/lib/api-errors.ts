import type { components } from '@lumina/sdk';
import { LuminaApiError, LuminaNetworkError } from '@lumina/sdk';

/** What a form shows for a failed request: messages next to fields, and one for the form. */
export interface FormErrors<Field extends string> {
  fields: Partial<Record<Field, string>>;
  /** The message above the submit button; null when every problem sits next to a field. */
  form: string | null;
  /** The request id to quote, for server faults (5xx) only. */
  requestId?: string;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/**
 * Whose fault a failure is, so the words blame the right party: the model's answer (`model`),
 * the connection to the model provider or the provider itself (`provider`), the connection to
 * Lumina (`network`), Lumina's own server (`server`), or the request (`request`: fix and resend).
 */
export type ErrorKind = 'model' | 'provider' | 'network' | 'server' | 'request';

/** Every code a model call can end with (the server's PROVIDER_ERROR_CODES, via the OpenAPI document). */
export type ModelCallErrorCode =
  | Extract<components['schemas']['ModelTestEvent'], { type: 'failed' }>['code']
  | 'no_model_configured';

const MODEL_BAD_OUTPUT =
  'The model’s answer didn’t have the expected shape — try again or pick another model.';
const SERVER_UNREACHABLE = 'Can’t reach the Lumina server. Check that it is running, then try again.';
const SERVER_FAULT = 'Something went wrong on the server. Please try again in a moment.';

/**
 * Plain words for each model-call failure. A `Record` over the codes the API declares, so a code
 * the server adds fails the type check here until it has its sentence.
 */
const MODEL_CALL_ERRORS: Record<ModelCallErrorCode, { kind: ErrorKind; message: string }> = {
  model_bad_output: { kind: 'model', message: MODEL_BAD_OUTPUT },
  model_not_found: {
    kind: 'model',
    message: 'That model isn’t available any more. Pick another in Settings → Models.',
  },
  context_length_exceeded: {
    kind: 'model',
    message: 'This is longer than the model can read at once. Pick a model with a larger context window.',
  },
  provider_unavailable: {
    kind: 'provider',
    message: 'Lumina couldn’t reach the model provider. Check that it is running, then try again.',
  },
  provider_timeout: {
    kind: 'provider',
    message: 'The model provider didn’t answer in time. Try again in a moment, or pick another model.',
  },
  provider_auth_failed: {
    kind: 'provider',
    message: 'The model provider refused Lumina’s API key. Check the key in Settings → Models.',
  },
  provider_rate_limited: {
    kind: 'provider',
    message: 'The model provider is limiting requests for now. Wait a moment, then try again.',
  },
  provider_protocol_error: {
    kind: 'provider',
    message:
      'The model provider answered in a way Lumina doesn’t understand. Try again, or pick another model.',
  },
  provider_bad_request: {
    kind: 'provider',
    message: 'The model provider refused the request. Try again, or pick another model.',
  },
  local_only: {
    kind: 'request',
    message:
      'Privacy mode keeps everything on this machine, so a cloud model can’t be used. Pick a local model.',
  },
  no_model_configured: {
    kind: 'request',
    message: 'No model is set up yet. Add one in Settings → Models.',
  },
  outbound_address_blocked: {
    kind: 'request',
    message:
      'That address is on this machine or a private network, which Lumina only connects to for administrators. Use a public address, or ask an administrator to allow this one.',
  },
  cancelled: { kind: 'request', message: 'Stopped before the model finished.' },
};

const modelCallError = (code: string) =>
  Object.hasOwn(MODEL_CALL_ERRORS, code) ? MODEL_CALL_ERRORS[code as ModelCallErrorCode] : undefined;

/**
 * A 502/503/504 that is not in Lumina's shape (no error code of ours) came from a proxy in front
 * of Lumina: the server behind it is down or unreachable, which is the network's story to tell.
 */
const fromGateway = (error: LuminaApiError) =>
  error.code === 'server_error' && error.status >= 502 && error.status <= 504;

/**
 * Whose fault an error is (see ErrorKind).
 * @example errorKind(new LuminaApiError(502, 'model_bad_output', '…')) // 'model'
 */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof LuminaNetworkError) return 'network';
  if (!(error instanceof LuminaApiError)) return 'server';
  const modelCall = modelCallError(error.code);
  if (modelCall) return modelCall.kind;
  if (fromGateway(error)) return 'network';
  return error.status >= 500 ? 'server' : 'request';
}

/**
 * The request id worth showing: for faults of Lumina's server and of model calls that reached it
 * (5xx), where the server's log has the story. A proxy's answer has no id of ours.
 */
export function serverErrorRequestId(error: unknown): string | undefined {
  return error instanceof LuminaApiError && error.status >= 500 && !fromGateway(error)
    ? error.requestId
    : undefined;
}

/**
 * A sentence a person understands for any error the app meets, which says whose fault it was:
 * the model's ("The model’s answer didn’t have the expected shape"), the network's ("Can’t reach
 * the Lumina server", "Lumina couldn’t reach the model provider") or the server's own ("Something
 * went wrong on the server"; show `serverErrorRequestId` beside it). Stable codes map to friendly
 * text; anything else falls back to the server's own message.
 */
export function friendlyMessage(error: unknown): string {
  if (error instanceof LuminaNetworkError) return SERVER_UNREACHABLE;
  if (!(error instanceof LuminaApiError)) return 'Something went wrong. Please try again.';
  const modelCall = modelCallError(error.code);
  if (modelCall) return modelCall.message;
  if (fromGateway(error)) return SERVER_UNREACHABLE;
  switch (error.code) {
    case 'service_busy':
    case 'database_unavailable':
    case 'jobs_unavailable':
      return 'The server is busy right now. Please try again in a moment.';
  }
  if (error.status >= 500) return SERVER_FAULT;
  switch (error.code) {
    case 'invalid_credentials':
      return 'That email and password don’t match. Check them and try again.';
    case 'account_disabled':
      return 'This account has been disabled. Ask an administrator if you think this is a mistake.';
    case 'too_many_attempts': {
      const seconds = Number(error.details?.retryAfterSeconds);
      return Number.isFinite(seconds) && seconds > 0
        ? `Too many attempts. Try again in ${plural(Math.ceil(seconds), 'second')}.`
        : 'Too many attempts. Wait a minute, then try again.';
    }
    case 'signup_closed':
      return 'Sign-up is closed on this server. Ask an administrator to create an account for you.';
    case 'email_taken':
      return 'An account with this email already exists.';
    case 'wrong_password':
      return 'That isn’t your current password.';
    case 'weak_password':
      return error.message;
    case 'scope_not_allowed':
      return 'Only administrators can create tokens with the admin scope.';
    case 'admin_only':
      return 'Only administrators can do this.';
    case 'cannot_disable_self':
      return 'You can’t disable your own account.';
    case 'cannot_demote_self':
      return 'You can’t remove your own administrator role. Ask another administrator.';
    case 'csrf_failed':
      return 'Your browser sent this request without Lumina’s safety check. Reload the page and try again.';
    case 'session_expired':
    case 'unauthorized':
      return 'Your session ended. Sign in again.';
    case 'user_not_found':
      return 'That account no longer exists. Reload the page to see the current list.';
    case 'outbound_url_refused':
      return 'Only http:// and https:// addresses without a user name or password can be used.';
    case 'session_not_found':
      return 'That session has already ended.';
    case 'token_not_found':
    case 'api_token_not_found':
      return 'That token has already been revoked.';
    case 'invalid_request':
      return 'Some of the details aren’t valid. Check the highlighted fields.';
    default:
      return error.message || 'That didn’t work. Please try again.';
  }
}

/** "/email" or "/preferredName" (from `details.issues[].path`) -> "email", "preferredName". */
function issueField(path: unknown): string | undefined {
  if (typeof path !== 'string') return undefined;
  return path.replace(/^\/+/, '').split('/')[0] || undefined;
}

/** Capitalises the validator's "must be an email address" into a sentence. */
function issueSentence(message: unknown): string {
  const text = typeof message === 'string' && message.trim() ? message.trim() : 'is not valid';
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/**
 * Spreads an API error over a form's fields: `invalid_request` issues go next to the field they
 * name; codes that belong to one field (`weak_password`, `email_taken`, `wrong_password`) go
 * there via `codeFields`; the rest becomes the form's message.
 * @example formErrorsFrom(error, ['email', 'password'], { weak_password: 'password' })
 */
export function formErrorsFrom<Field extends string>(
  error: unknown,
  fields: readonly Field[],
  codeFields: Partial<Record<string, Field>> = {},
  fieldMessages: Partial<Record<Field, string>> = {},
): FormErrors<Field> {
  const result: FormErrors<Field> = { fields: {}, form: null };
  const known = new Set<string>(fields);
  if (error instanceof LuminaApiError) {
    if (error.status >= 500 && error.requestId) result.requestId = error.requestId;
    const target = codeFields[error.code];
    if (target) {
      result.fields[target] = friendlyMessage(error);
      return result;
    }
    if (error.code === 'invalid_request') {
      const issues = Array.isArray(error.details?.issues) ? error.details.issues : [];
      for (const issue of issues as { path?: unknown; message?: unknown }[]) {
        const field = issueField(issue.path);
        if (!field || !known.has(field) || result.fields[field as Field]) continue;
        result.fields[field as Field] = fieldMessages[field as Field] ?? issueSentence(issue.message);
      }
      if (Object.keys(result.fields).length > 0) return result;
      result.form = error.message && error.message !== 'The request is not valid' ? error.message : null;
      result.form ??= friendlyMessage(error);
      return result;
    }
  }
  result.form = friendlyMessage(error);
  return result;
}

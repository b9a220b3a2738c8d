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
 * A sentence a person understands for any error the app meets: stable error codes map to
 * friendly text; anything else falls back to the server's own message.
 */
/** The request id worth showing: only for server faults (5xx), where support needs it. */
export function serverErrorRequestId(error: unknown): string | undefined {
  return error instanceof LuminaApiError && error.status >= 500 ? error.requestId : undefined;
}

export function friendlyMessage(error: unknown): string {
  if (error instanceof LuminaNetworkError)
    return 'Can’t reach the Lumina server. Check that it is running, then try again.';
  if (!(error instanceof LuminaApiError)) return 'Something went wrong. Please try again.';
  if (error.status >= 500) return 'Something went wrong on the server. Please try again in a moment.';
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
    case 'outbound_address_blocked':
      return 'That address is on this machine or a private network, which Lumina only connects to for administrators. Use a public address, or ask an administrator to allow this one.';
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

import type { Tone } from '../components/status-badge';
import type { Provider } from './models';

/** What a provider's health means to a person: a short badge, a sentence, and what to do. */
export interface HealthWording {
  tone: Tone;
  /** The badge: "Working", "Key refused", "Not checked yet"… */
  badge: string;
  /** One sentence about the problem ("The API key was refused"); null when all is well. */
  summary: string | null;
  /** What to try next; null when there is nothing to do. */
  advice: string | null;
}

/** Plain words for the stable error codes a provider check or a model call can end with. */
const PROBLEMS: Record<string, { badge: string; summary: string; advice: string }> = {
  provider_auth_failed: {
    badge: 'Key refused',
    summary: 'The API key was refused',
    advice: 'Check that the key is complete and still active, or paste a new one.',
  },
  provider_unavailable: {
    badge: 'Unreachable',
    summary: 'Lumina can’t reach this provider',
    advice: 'Check that it is running and that the address is right.',
  },
  provider_timeout: {
    badge: 'Too slow',
    summary: 'The provider didn’t answer in time',
    advice: 'It may be busy or starting up. Check again in a moment.',
  },
  provider_rate_limited: {
    badge: 'Rate limited',
    summary: 'The provider is turning requests away for now (rate limit)',
    advice: 'Wait a minute, or check the plan and quota of this account.',
  },
  provider_protocol_error: {
    badge: 'Unexpected answer',
    summary: 'The provider answered in a way Lumina doesn’t understand',
    advice: 'Check that the address points at the API itself (often ending in /v1).',
  },
  provider_bad_request: {
    badge: 'Request refused',
    summary: 'The provider refused the request',
    advice: 'Check the provider’s settings; the details are below.',
  },
  model_not_found: {
    badge: 'Model missing',
    summary: 'The model isn’t available on this provider',
    advice: 'Pick another model, or download this one first.',
  },
  context_length_exceeded: {
    badge: 'Too long',
    summary: 'The conversation is longer than the model can read',
    advice: 'Pick a model with a larger context window.',
  },
  local_only: {
    badge: 'Blocked',
    summary: 'Local-only mode is on, so cloud models can’t be used',
    advice: 'Choose a model that runs on this machine or network, or turn local-only mode off.',
  },
  no_model_configured: {
    badge: 'No model',
    summary: 'No model is set up yet',
    advice: 'Choose a default model, or pick one to try.',
  },
  outbound_address_blocked: {
    badge: 'Address blocked',
    summary: 'This address is on a private network, which Lumina only connects to for administrators',
    advice: 'Use a public address, or ask an administrator to allow this one (LUMINA_OUTBOUND_ALLOW).',
  },
  cancelled: { badge: 'Stopped', summary: 'Stopped', advice: '' },
};

/** The sentence for an error code (a model call's `failed`/`error` event or a health check). */
export function problemSummary(code: string | null | undefined, fallback?: string | null): string {
  if (code && PROBLEMS[code]) return PROBLEMS[code].summary;
  return fallback?.trim() || 'Something went wrong';
}

/** What to do about an error code; null when there is no advice. */
export function problemAdvice(code: string | null | undefined): string | null {
  return (code && PROBLEMS[code]?.advice) || null;
}

/**
 * The wording for a provider's badge and the line under it.
 * @example healthWording({ status: 'error', code: 'provider_auth_failed', … }).summary // 'The API key was refused'
 */
export function healthWording(
  provider: Pick<Provider, 'health' | 'enabled'> & Partial<Pick<Provider, 'kind'>>,
): HealthWording {
  if (!provider.enabled) return { tone: 'neutral', badge: 'Turned off', summary: null, advice: null };
  const { health } = provider;
  if (health.status === 'ok') return { tone: 'ok', badge: 'Working', summary: null, advice: null };
  if (health.status === 'unknown')
    return { tone: 'neutral', badge: 'Not checked yet', summary: null, advice: null };
  if (provider.kind === 'llama-cpp')
    return {
      tone: 'bad',
      badge: 'Not ready',
      summary: 'The embedded engine can’t run a model yet',
      advice: 'An administrator can install it and download a model under Administration → Models & pricing.',
    };
  const known = health.code ? PROBLEMS[health.code] : undefined;
  if (known) return { tone: 'bad', badge: known.badge, summary: known.summary, advice: known.advice };
  return {
    tone: 'bad',
    badge: 'Not working',
    summary: health.message?.trim() || 'The last check failed',
    advice: 'Check the provider’s settings, then check again.',
  };
}

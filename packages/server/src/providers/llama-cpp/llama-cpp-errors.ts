import { ProviderError } from '../types.js';

/**
 * Maps whatever the engine threw to a ProviderError with a stable code. node-llama-cpp throws
 * plain Errors, so the message is the only signal for the context case.
 *
 * @example
 * toProviderError(Object.assign(new Error('no such file'), { code: 'ENOENT' })).code; // 'model_not_found'
 */
export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
    return new ProviderError('model_not_found', `Model file not found: ${message}`, false);
  }
  if (/context (size|window|length)|too long|exceeds? the context/i.test(message)) {
    return new ProviderError('context_length_exceeded', message, false);
  }
  return new ProviderError('provider_unavailable', `The embedded engine failed: ${message}`, false);
}

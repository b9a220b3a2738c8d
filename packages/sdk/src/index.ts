export { createLuminaClient, type LuminaClient, type LuminaClientOptions } from './client.js';
export { type ApiErrorBody, LuminaApiError, LuminaNetworkError } from './errors.js';
export type { components, paths } from './schema.js';
export {
  readServerSentEvents,
  readStreamParts,
  type ServerSentEvent,
  type StreamPart,
  type StreamPartWithId,
} from './sse.js';

import type { components } from './schema.js';
export type HealthReport = components['schemas']['HealthReport'];

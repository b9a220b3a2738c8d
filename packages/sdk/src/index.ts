export { createLuminaClient, type LuminaClient, type LuminaClientOptions } from './client.js';
export { type ApiErrorBody, LuminaApiError, LuminaNetworkError } from './errors.js';
export type { components, paths } from './schema.js';
export {
  type ConversationEvent,
  type ModelTestEvent,
  type ModelTestEventOf,
  readConversationEvents,
  readServerSentEvents,
  readStreamParts,
  type ServerSentEvent,
  type SocketClientFrame,
  type SocketServerFrame,
  type Speaker,
  type StreamPart,
  type StreamPartOf,
  type StreamPartType,
  type StreamPartWithId,
  type Usage,
} from './sse.js';

import type { components } from './schema.js';
export type HealthReport = components['schemas']['HealthReport'];

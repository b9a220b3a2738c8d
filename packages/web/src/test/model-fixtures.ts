import type { ModelTestEvent } from '@lumina/sdk';
import type { Model, Provider } from '../lib/models';

/** A provider as /api/providers lists it; override what a test cares about. */
export function provider(overrides: Partial<Provider> & Pick<Provider, 'id'>): Provider {
  return {
    kind: 'ollama',
    name: overrides.id,
    scope: 'system',
    baseUrl: 'http://127.0.0.1:11434',
    local: true,
    hasKey: false,
    enabled: true,
    health: { status: 'ok', code: null, message: null, latencyMs: 12, checkedAt: new Date().toISOString() },
    ...overrides,
  };
}

/** A chat model `<provider>/<name>`. */
export function model(id: string, overrides: Partial<Model> = {}): Model {
  const [providerId, ...rest] = id.split('/');
  return {
    id,
    provider: providerId!,
    name: rest.join('/'),
    contextWindow: 131_072,
    capabilities: { tools: true, vision: false, json: true, embeddings: false },
    local: providerId === 'ollama',
    settings: ['temperature', 'topP', 'maxTokens', 'stop', 'seed'],
    ...overrides,
  };
}

/** A text/event-stream response playing `events` (`[type, data]`) as Lumina sends them. */
export function sseResponse(events: [string, unknown][], init: { chunkSize?: number } = {}): Response {
  const text = events
    .map(([type, data], i) => `id: ${i + 1}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`)
    .join('');
  const bytes = new TextEncoder().encode(text);
  const size = init.chunkSize ?? 7; // odd chunk boundaries, like a real network
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

/** A /api/models/test response playing `events`, typed by the SDK's generated `ModelTestEvent`. */
export function modelTestResponse(events: ModelTestEvent[]): Response {
  return sseResponse(events.map(({ type, ...data }) => [type, data]));
}

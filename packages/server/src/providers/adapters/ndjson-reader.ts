import { ProviderError } from '../types.js';

/**
 * Reads a newline-delimited JSON body one object at a time (Ollama's streaming format).
 * A line that is not JSON ends the stream with a `provider_protocol_error`; whatever was
 * read before it has already been handed out.
 * @example for await (const line of readNdjson(response.body!)) console.log(line);
 */
export async function* readNdjson(body: ReadableStream<Uint8Array>): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      buffered += done ? decoder.decode() : decoder.decode(value, { stream: true });
      const lines = buffered.split('\n');
      buffered = done ? '' : (lines.pop() ?? '');
      for (const line of lines) {
        if (line.trim()) yield parseLine(line);
      }
      if (done) return;
    }
  } finally {
    // Stopping early (abort, error, consumer break) must release the connection.
    reader.cancel().catch(() => {});
  }
}

function parseLine(line: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(line);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below with the offending text.
  }
  throw new ProviderError(
    'provider_protocol_error',
    `malformed NDJSON line from the provider: ${line.slice(0, 120)}`,
    false,
  );
}

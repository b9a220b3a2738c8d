import { ProviderError } from '../types.js';

/** The longest line a model stream may send (characters); Ollama's lines are a few hundred. */
export const MAX_NDJSON_LINE_CHARS = 1024 * 1024;

/**
 * Reads a newline-delimited JSON body one object at a time (Ollama's streaming format).
 * A line that is not JSON, or one longer than `maxLineChars` (checked while it arrives, so an
 * endless line cannot grow memory), ends the stream with a `provider_protocol_error`; whatever
 * was read before it has already been handed out.
 * @example for await (const line of readNdjson(response.body!)) console.log(line);
 */
export async function* readNdjson(
  body: ReadableStream<Uint8Array>,
  maxLineChars = MAX_NDJSON_LINE_CHARS,
): AsyncGenerator<Record<string, unknown>> {
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
        if (line.length > maxLineChars) throw lineTooLong(maxLineChars);
        if (line.trim()) yield parseLine(line);
      }
      if (buffered.length > maxLineChars) throw lineTooLong(maxLineChars);
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
  // The line itself stays out of the message: it may be some other service's answer.
  throw new ProviderError(
    'provider_protocol_error',
    'the provider sent a line that is not a JSON object',
    false,
  );
}

function lineTooLong(maxLineChars: number): ProviderError {
  return new ProviderError(
    'provider_protocol_error',
    `the provider sent a line longer than ${maxLineChars} characters`,
    false,
  );
}

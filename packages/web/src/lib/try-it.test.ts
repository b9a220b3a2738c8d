import type { ModelTestEvent } from '@lumina/sdk';
import { describe, expect, it } from 'vitest';
import { modelTestResponse } from '../test/model-fixtures';
import { readEvents } from './event-stream';
import { describeEntry, formatCost, initialTryIt, type TryItState, tryItReducer } from './try-it';

const finish: Extract<ModelTestEvent, { type: 'finish' }> = {
  type: 'finish',
  status: 'complete',
  finishReason: 'stop',
  timings: { timeToFirstTokenMs: 180, durationMs: 950 },
};

/** What /api/models/test sends when the default (a cloud model) is down and the local fallback answers. */
const FALLBACK_STREAM: ModelTestEvent[] = [
  { type: 'attempt', modelId: 'openai/gpt-4o', attempt: 1 },
  {
    type: 'failed',
    modelId: 'openai/gpt-4o',
    code: 'provider_unavailable',
    message: 'connect ECONNREFUSED',
    willRetry: true,
  },
  { type: 'attempt', modelId: 'openai/gpt-4o', attempt: 2 },
  {
    type: 'failed',
    modelId: 'openai/gpt-4o',
    code: 'provider_unavailable',
    message: 'connect ECONNREFUSED',
    willRetry: false,
  },
  { type: 'attempt', modelId: 'ollama/llama3.2', attempt: 1 },
  { type: 'model', modelId: 'ollama/llama3.2' },
  { type: 'text-delta', delta: 'Hello' },
  { type: 'text-delta', delta: ', world' },
  { type: 'text-delta', delta: '!' },
  { type: 'usage-source', reported: true },
  { type: 'usage', inputTokens: 12, outputTokens: 4, costUsd: 0 },
  finish,
];

/** Plays the events through the real SSE reader, as the hook does. */
async function play(events: ModelTestEvent[]): Promise<TryItState[]> {
  const states: TryItState[] = [];
  let state = tryItReducer(initialTryIt, { type: 'start' });
  for await (const event of readEvents<ModelTestEvent>(modelTestResponse(events).body)) {
    state = tryItReducer(state, { type: 'event', event });
    states.push(state);
  }
  states.push(tryItReducer(state, { type: 'ended' }));
  return states;
}

describe('tryItReducer over a scripted stream', () => {
  it('builds the fallback timeline, the text, the usage with its cost and the finish', async () => {
    const states = await play(FALLBACK_STREAM);
    const final = states.at(-1)!;
    expect(final.status).toBe('done');
    expect(final.text).toBe('Hello, world!');
    expect(final.modelId).toBe('ollama/llama3.2');
    expect(final.usage).toEqual({ inputTokens: 12, outputTokens: 4, costUsd: 0 });
    expect(final.tokensReported).toBe(true);
    expect(final.finish).toEqual(finish);
    expect(final.error).toBeNull();
    expect(final.timeline.map((entry, i) => describeEntry(entry, final.timeline[i + 1]))).toEqual([
      'openai/gpt-4o failed: provider_unavailable — retrying…',
      'openai/gpt-4o failed: provider_unavailable — trying the next model…',
      'Fell back to ollama/llama3.2',
    ]);
    // While the fallback was being tried, the box said which model it was asking.
    expect(states[4]!.trying).toEqual({ modelId: 'ollama/llama3.2', attempt: 1 });
    expect(states[5]!.trying).toBeNull();
    expect(states[6]!.status).toBe('streaming');
    // The summary waits for finish: before it, the usage is known but the call is not over.
    expect(states.at(-3)!).toMatchObject({ status: 'streaming', finish: null });
  });

  it('says "Answered by" when the first model answers, and marks counted tokens', async () => {
    const final = (
      await play([
        { type: 'attempt', modelId: 'ollama/llama3.2', attempt: 1 },
        { type: 'model', modelId: 'ollama/llama3.2' },
        { type: 'text-delta', delta: 'Hi' },
        { type: 'usage-source', reported: false },
        { type: 'usage', inputTokens: 9, outputTokens: 1, costUsd: null },
        finish,
      ])
    ).at(-1)!;
    expect(final.timeline).toEqual([{ kind: 'answered', modelId: 'ollama/llama3.2', fallback: false }]);
    expect(describeEntry(final.timeline[0]!)).toBe('Answered by ollama/llama3.2');
    expect(final.tokensReported).toBe(false);
    expect(final.usage?.costUsd).toBeNull();
  });

  it('ends failed with the error when every model fails', async () => {
    const final = (
      await play([
        { type: 'attempt', modelId: 'openai/gpt-4o', attempt: 1 },
        {
          type: 'failed',
          modelId: 'openai/gpt-4o',
          code: 'provider_auth_failed',
          message: '401',
          willRetry: false,
        },
        { type: 'error', code: 'provider_auth_failed', message: 'Incorrect API key provided' },
        {
          type: 'finish',
          status: 'error',
          finishReason: 'error',
          timings: { timeToFirstTokenMs: null, durationMs: 40 },
        },
      ])
    ).at(-1)!;
    expect(final.status).toBe('failed');
    expect(final.error).toEqual({ code: 'provider_auth_failed', message: 'Incorrect API key provided' });
    expect(final.usage).toBeNull();
    expect(describeEntry(final.timeline[0]!)).toBe('openai/gpt-4o failed: provider_auth_failed — giving up.');
  });

  it('ends failed when a model fails mid-reply, keeping its text', async () => {
    const final = (
      await play([
        { type: 'model', modelId: 'ollama/llama3.2' },
        { type: 'text-delta', delta: 'Once upon' },
        { type: 'error', code: 'provider_protocol_error', message: 'bad frame' },
        { type: 'finish', status: 'error', finishReason: 'error', timings: null },
      ])
    ).at(-1)!;
    expect(final).toMatchObject({
      status: 'failed',
      text: 'Once upon',
      error: { code: 'provider_protocol_error' },
    });
  });

  it('marks a stream cut before its finish as failed, and a stop as stopped', async () => {
    const cut = (
      await play([
        { type: 'model', modelId: 'ollama/llama3.2' },
        { type: 'text-delta', delta: 'Hal' },
      ])
    ).at(-1)!;
    expect(cut.status).toBe('failed');
    expect(cut.error?.code).toBe('stream_ended');
    expect(cut.text).toBe('Hal');

    let state = tryItReducer(initialTryIt, { type: 'start' });
    state = tryItReducer(state, { type: 'event', event: { type: 'text-delta', delta: 'Part' } });
    state = tryItReducer(state, { type: 'stopped' });
    expect(state).toMatchObject({ status: 'stopped', text: 'Part' });
  });

  it('keeps request errors (409, 403) and ignores unknown events', () => {
    let state = tryItReducer(initialTryIt, { type: 'start' });
    state = tryItReducer(state, { type: 'event', event: { type: 'mystery' } as unknown as ModelTestEvent });
    expect(state.status).toBe('connecting');
    state = tryItReducer(state, { type: 'request-failed', code: 'local_only', message: 'no cloud' });
    expect(state).toMatchObject({ status: 'failed', error: { code: 'local_only' } });
  });
});

describe('formatCost', () => {
  it('shows a dash for unknown cost and sensible precision otherwise', () => {
    expect(formatCost(null)).toBe('—');
    expect(formatCost(0)).toBe('$0');
    expect(formatCost(0.00004)).toBe('< $0.0001');
    expect(formatCost(0.0042)).toBe('$0.0042');
    expect(formatCost(1.2)).toBe('$1.20');
  });
});

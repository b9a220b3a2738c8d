import { describe, expect, it } from 'vitest';
import { sseResponse } from '../test/model-fixtures';
import { readEvents } from './event-stream';
import {
  describeEntry,
  formatCost,
  initialTryIt,
  type TryItEvent,
  type TryItState,
  tryItReducer,
} from './try-it';

const summary = {
  modelId: 'ollama/llama3.2',
  usage: { inputTokens: 12, outputTokens: 4, reported: true },
  costUsd: 0,
  timeToFirstTokenMs: 180,
  durationMs: 950,
  status: 'complete',
  errorCode: null,
};

/** What /api/models/test sends when the default (a cloud model) is down and the local fallback answers. */
const FALLBACK_STREAM: [string, unknown][] = [
  ['attempt', { modelId: 'openai/gpt-4o', attempt: 1 }],
  [
    'failed',
    {
      modelId: 'openai/gpt-4o',
      code: 'provider_unavailable',
      message: 'connect ECONNREFUSED',
      willRetry: true,
    },
  ],
  ['attempt', { modelId: 'openai/gpt-4o', attempt: 2 }],
  [
    'failed',
    {
      modelId: 'openai/gpt-4o',
      code: 'provider_unavailable',
      message: 'connect ECONNREFUSED',
      willRetry: false,
    },
  ],
  ['attempt', { modelId: 'ollama/llama3.2', attempt: 1 }],
  ['model', { modelId: 'ollama/llama3.2' }],
  ['text-delta', { delta: 'Hello' }],
  ['text-delta', { delta: ', world' }],
  ['text-delta', { delta: '!' }],
  ['usage', { usage: { inputTokens: 12, outputTokens: 4, reported: true } }],
  ['finish', { finishReason: 'stop' }],
  ['call-summary', { summary }],
];

async function play(events: [string, unknown][]): Promise<TryItState[]> {
  const states: TryItState[] = [];
  let state = tryItReducer(initialTryIt, { type: 'start' });
  for await (const event of readEvents<TryItEvent>(sseResponse(events).body)) {
    state = tryItReducer(state, { type: 'event', event });
    states.push(state);
  }
  states.push(tryItReducer(state, { type: 'ended' }));
  return states;
}

describe('tryItReducer over a scripted stream', () => {
  it('builds the fallback timeline, the text and the summary', async () => {
    const states = await play(FALLBACK_STREAM);
    const final = states.at(-1)!;
    expect(final.status).toBe('done');
    expect(final.text).toBe('Hello, world!');
    expect(final.modelId).toBe('ollama/llama3.2');
    expect(final.summary).toEqual(summary);
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
  });

  it('says "Answered by" when the first model answers', async () => {
    const final = (
      await play([
        ['attempt', { modelId: 'ollama/llama3.2', attempt: 1 }],
        ['model', { modelId: 'ollama/llama3.2' }],
        ['text-delta', { delta: 'Hi' }],
        ['finish', { finishReason: 'stop' }],
        ['call-summary', { summary }],
      ])
    ).at(-1)!;
    expect(final.timeline).toEqual([{ kind: 'answered', modelId: 'ollama/llama3.2', fallback: false }]);
    expect(describeEntry(final.timeline[0]!)).toBe('Answered by ollama/llama3.2');
  });

  it('ends failed with the error when every model fails', async () => {
    const final = (
      await play([
        ['attempt', { modelId: 'openai/gpt-4o', attempt: 1 }],
        [
          'failed',
          { modelId: 'openai/gpt-4o', code: 'provider_auth_failed', message: '401', willRetry: false },
        ],
        ['error', { code: 'provider_auth_failed', message: 'Incorrect API key provided' }],
        ['finish', { finishReason: 'error' }],
        [
          'call-summary',
          { summary: { ...summary, modelId: null, usage: null, costUsd: null, status: 'error' } },
        ],
      ])
    ).at(-1)!;
    expect(final.status).toBe('failed');
    expect(final.error).toEqual({ code: 'provider_auth_failed', message: 'Incorrect API key provided' });
    expect(describeEntry(final.timeline[0]!)).toBe('openai/gpt-4o failed: provider_auth_failed — giving up.');
  });

  it('marks a stream cut before its finish as failed, and a stop as stopped', async () => {
    const cut = (
      await play([
        ['model', { modelId: 'ollama/llama3.2' }],
        ['text-delta', { delta: 'Hal' }],
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
    state = tryItReducer(state, { type: 'event', event: { type: 'mystery' } as unknown as TryItEvent });
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

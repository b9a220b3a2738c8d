import { describe, expect, it } from 'vitest';
import { presentImpersonation, withoutNameLabel } from './impersonation-stream.presenter.js';
import type { ModelCallPart } from './model-test-event.presenter.js';

const push = (name: string, deltas: string[]) => {
  const label = withoutNameLabel(name);
  return deltas.map((d) => label.push(d)).join('') + label.flush();
};

describe('impersonation stream', () => {
  it('takes a leading name label (any case, bold) and blank space off, and nothing else', () => {
    expect(push('Sam', ['Sa', 'm', ': Hi there', ' friend'])).toBe('Hi there friend');
    expect(push('Sam', ['**sam:** Hi there friend'])).toBe('Hi there friend');
    expect(push('Sam', ['\n  Samantha is here'])).toBe('Samantha is here');
    expect(push('Sam', ['Ok'])).toBe('Ok');
    expect(push('A.B (x)', ['A.B (x): fine words'])).toBe('fine words');
  });

  it('ends with usage and finish from what the call was recorded as', async () => {
    async function* call(): AsyncGenerator<ModelCallPart> {
      yield { type: 'attempt', modelId: 'm', attempt: 1 };
      yield { type: 'model', modelId: 'm' };
      yield { type: 'text-delta', delta: 'Yes' };
      yield { type: 'usage', usage: { inputTokens: 3, outputTokens: 1, reported: true } };
      yield { type: 'finish', finishReason: 'stop' };
      yield {
        type: 'call-summary',
        summary: {
          modelId: 'm',
          usage: { inputTokens: 3, outputTokens: 1, reported: true },
          costUsd: 0,
          timeToFirstTokenMs: 5,
          durationMs: 9,
          status: 'complete',
          errorCode: null,
        },
      };
    }
    const parts = [];
    for await (const part of presentImpersonation(call(), 'Sam')) parts.push(part);
    expect(parts).toEqual([
      { type: 'model', modelId: 'm' },
      { type: 'text-delta', delta: 'Yes' },
      { type: 'usage', inputTokens: 3, outputTokens: 1, costUsd: 0 },
      {
        type: 'finish',
        status: 'complete',
        finishReason: 'stop',
        timings: { timeToFirstTokenMs: 5, durationMs: 9 },
      },
    ]);
  });
});

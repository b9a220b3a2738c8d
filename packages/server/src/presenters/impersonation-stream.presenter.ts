import type { StreamPart } from '../realtime/stream-parts.js';
import type { ModelCallPart } from './model-test-event.presenter.js';

/**
 * Presents the model call of an "impersonate" as `StreamPart`s (the one stream contract): `model`
 * when the fallback chain moves on, `text-delta` (the person's message, without a leading
 * "Name:" label a model may write), `reasoning-delta`, `error`, then `usage` (with its cost) and
 * `finish` from what the call was recorded as, `finish` always last. There is no `message-start`:
 * nothing is stored.
 * @example await sendServerSentEvents(request, reply, (signal) => presentImpersonation(models.stream(…), 'Sam'));
 */
export async function* presentImpersonation(
  parts: AsyncIterable<ModelCallPart>,
  userName: string,
): AsyncGenerator<StreamPart> {
  const label = withoutNameLabel(userName);
  let finishReason: string | null = null;
  for await (const part of parts) {
    // The text has ended: what is held goes out before the end is told.
    if (part.type === 'error' || part.type === 'finish' || part.type === 'call-summary') {
      const held = label.flush();
      if (held) yield { type: 'text-delta', delta: held };
    }
    switch (part.type) {
      case 'text-delta': {
        const delta = label.push(part.delta);
        if (delta) yield { type: 'text-delta', delta };
        break;
      }
      case 'reasoning-delta':
      case 'model':
        yield part;
        break;
      case 'error':
        yield { type: 'error', code: part.code, message: part.message };
        break;
      case 'finish':
        finishReason = part.finishReason;
        break;
      case 'attempt':
      case 'failed':
      case 'skipped':
      case 'usage':
      case 'tool-call':
        // Fallback progress is the chain's business; usage comes with its cost from the summary;
        // no tools are offered, so a call is not answered.
        break;
      case 'call-summary': {
        const { summary } = part;
        if (summary.usage) {
          yield {
            type: 'usage',
            inputTokens: summary.usage.inputTokens,
            outputTokens: summary.usage.outputTokens,
            costUsd: summary.costUsd,
          };
        }
        yield {
          type: 'finish',
          status: summary.status,
          finishReason,
          timings: { timeToFirstTokenMs: summary.timeToFirstTokenMs, durationMs: summary.durationMs },
        };
        break;
      }
      default:
        part satisfies never;
    }
  }
  const held = label.flush();
  if (held) yield { type: 'text-delta', delta: held };
}

/**
 * Takes a leading "Sam:" (or "**Sam:**", any case) off streamed text, and the blank space before
 * the message: the start is held until it is long enough to tell, then everything passes as is.
 * @example const l = withoutNameLabel('Sam'); l.push('Sa'); l.push('m: Hi there, friend') // 'Hi there, friend'
 */
export function withoutNameLabel(name: string) {
  const escaped = name.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = escaped
    ? new RegExp(`^\\s*(?:\\*\\*)?${escaped}(?:\\*\\*)?\\s*:(?:\\*\\*)?\\s*`, 'i')
    : /^\s+/;
  // Enough to hold the label, its marks and a space or two.
  const needed = name.trim().length + 6;
  let held: string | null = '';
  const strip = (text: string) => text.replace(pattern, '').replace(/^\s+/, '');
  return {
    push(delta: string): string {
      if (held === null) return delta;
      held += delta;
      if (held.trimStart().length < needed) return '';
      const text = strip(held);
      held = null;
      return text;
    },
    flush(): string {
      if (held === null || held === '') return '';
      const text = strip(held);
      held = null;
      return text;
    },
  };
}

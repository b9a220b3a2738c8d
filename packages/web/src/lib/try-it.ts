import type { ModelTestEvent, ModelTestEventOf, Usage } from '@lumina/sdk';
import { problemSummary } from './provider-health';

/** One line of the "which model answered" timeline. */
export type TimelineEntry =
  | { kind: 'failed'; modelId: string; code: string; message: string; willRetry: boolean }
  | { kind: 'skipped'; modelId: string; reason: string }
  | { kind: 'answered'; modelId: string; fallback: boolean };

export interface TryItState {
  status: 'idle' | 'connecting' | 'streaming' | 'done' | 'stopped' | 'failed';
  /** The model being tried right now (from `attempt`), before one answers. */
  trying: { modelId: string; attempt: number } | null;
  timeline: TimelineEntry[];
  /** The model that answered. */
  modelId: string | null;
  text: string;
  /** Tokens and cost as recorded (the `usage` event); null when no model answered. */
  usage: Usage | null;
  /** False when Lumina counted the tokens itself (the provider did not say); null before `usage-source`. */
  tokensReported: boolean | null;
  error: { code: string; message: string } | null;
  /** The last event: status, finish reason and timings; the summary shows once it is here. */
  finish: ModelTestEventOf<'finish'> | null;
}

export type TryItAction =
  | { type: 'start' }
  | { type: 'event'; event: ModelTestEvent }
  | { type: 'stopped' }
  /** The stream closed; if no finish arrived, the reply was cut off. */
  | { type: 'ended' }
  /** The request failed before streaming (409 no model, 403 local only, 404, network). */
  | { type: 'request-failed'; code: string; message: string }
  | { type: 'reset' };

export const initialTryIt: TryItState = {
  status: 'idle',
  trying: null,
  timeline: [],
  modelId: null,
  text: '',
  usage: null,
  tokensReported: null,
  error: null,
  finish: null,
};

/**
 * Folds the test stream (the generated `ModelTestEvent`) into what the "Try it" box shows: the
 * fallback timeline, the text, and the summary. Unknown events are ignored, so a newer server
 * does not break an older page.
 */
export function tryItReducer(state: TryItState, action: TryItAction): TryItState {
  switch (action.type) {
    case 'start':
      return { ...initialTryIt, status: 'connecting' };
    case 'reset':
      return initialTryIt;
    case 'stopped':
      return state.status === 'connecting' || state.status === 'streaming'
        ? { ...state, status: 'stopped', trying: null }
        : state;
    case 'ended':
      return state.status === 'connecting' || state.status === 'streaming'
        ? {
            ...state,
            status: 'failed',
            trying: null,
            error: state.error ?? {
              code: 'stream_ended',
              message: 'The connection to the server ended before the reply was finished.',
            },
          }
        : state;
    case 'request-failed':
      return {
        ...state,
        status: 'failed',
        trying: null,
        error: { code: action.code, message: action.message },
      };
    case 'event':
      return applyEvent(state, action.event);
  }
}

function applyEvent(state: TryItState, event: ModelTestEvent): TryItState {
  switch (event.type) {
    case 'attempt':
      return { ...state, trying: { modelId: event.modelId, attempt: event.attempt } };
    case 'failed':
      return {
        ...state,
        timeline: [
          ...state.timeline,
          {
            kind: 'failed',
            modelId: event.modelId,
            code: event.code,
            message: event.message,
            willRetry: event.willRetry,
          },
        ],
      };
    case 'skipped':
      return {
        ...state,
        timeline: [...state.timeline, { kind: 'skipped', modelId: event.modelId, reason: event.reason }],
      };
    case 'model': {
      const fallback = state.timeline.some((e) => e.kind !== 'answered' && e.modelId !== event.modelId);
      return {
        ...state,
        status: 'streaming',
        trying: null,
        modelId: event.modelId,
        timeline: [...state.timeline, { kind: 'answered', modelId: event.modelId, fallback }],
      };
    }
    case 'text-delta':
      return { ...state, status: 'streaming', text: state.text + event.delta };
    case 'usage-source':
      return { ...state, tokensReported: event.reported };
    case 'usage': {
      const { type: _type, ...usage } = event;
      return { ...state, usage };
    }
    case 'error':
      return { ...state, error: { code: event.code, message: event.message } };
    case 'finish':
      return {
        ...state,
        trying: null,
        finish: event,
        status:
          event.status === 'cancelled'
            ? 'stopped'
            : event.status === 'complete' && !state.error
              ? 'done'
              : 'failed',
      };
    default:
      return state;
  }
}

/** Whether the box is waiting for or receiving a reply. */
export function isRunning(state: TryItState): boolean {
  return state.status === 'connecting' || state.status === 'streaming';
}

/**
 * One timeline entry in words:
 * "openai/gpt-4o failed: provider_unavailable — retrying…", "Fell back to ollama/llama3.2".
 */
export function describeEntry(
  entry: TimelineEntry,
  next?: TimelineEntry,
  name: (modelId: string) => string = (id) => id,
): string {
  switch (entry.kind) {
    case 'failed': {
      const then = entry.willRetry ? 'retrying…' : next ? 'trying the next model…' : 'giving up.';
      return `${name(entry.modelId)} failed: ${entry.code} — ${then}`;
    }
    case 'skipped':
      return `${name(entry.modelId)} skipped: it failed several times just now, so Lumina is resting it.`;
    case 'answered':
      return entry.fallback ? `Fell back to ${name(entry.modelId)}` : `Answered by ${name(entry.modelId)}`;
  }
}

/** The sentence for a failure's code, e.g. "The API key was refused". */
export function describeFailure(entry: Extract<TimelineEntry, { kind: 'failed' }>): string {
  return problemSummary(entry.code, entry.message);
}

/** "$0.0042", "$1.20", "less than $0.0001"; "—" when the cost is unknown (no price set). */
export function formatCost(costUsd: number | null | undefined): string {
  if (costUsd === null || costUsd === undefined || !Number.isFinite(costUsd)) return '—';
  if (costUsd === 0) return '$0';
  if (costUsd < 0.0001) return '< $0.0001';
  if (costUsd < 0.01) return `$${costUsd.toFixed(4)}`;
  return `$${costUsd.toFixed(2)}`;
}

import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Message } from '../domain/message.js';
import type { AssembledContext } from '../prompt/assemble-context.js';
import { tokenCounterFor } from '../prompt/prompt-token-counter.js';
import { fitTranscript, planSummary, summaryRequest, summaryTokenLimit } from '../prompt/summary-prompt.js';
import { createMessageSummaryRepository } from '../repositories/message-summary.repository.js';
import type { ModelService } from './model.service.js';

/** Each run folds in at most this many chunks (a long imported chat catches up over several replies). */
const MAX_STEPS_PER_RUN = 4;
/** Messages added after the context was built that are counted (more are simply folded in). */
const MAX_LATER_MESSAGES = 8;
/** Room for the instructions and framing of a summary request, besides the previous summary. */
const REQUEST_OVERHEAD_TOKENS = 256;

export type SummaryOutcome =
  | { status: 'not_needed' | 'busy' }
  | { status: 'stored'; messageIds: string[]; modelId: string | null }
  | { status: 'failed'; reason: string };

class SummaryFailure extends Error {}

/**
 * Running summaries of long conversations. When a context is nearly full, the older turns
 * (the previous summary plus the messages after it, up to a cut that leaves the recent turns
 * verbatim) are summarized with CHAT_SUMMARY_MODEL (default: the conversation's model, which is
 * also the fallback) and stored on the cut message, where every branch through it can use it.
 * One run at a time per conversation in this process; across instances, a summary is only
 * stored on a message that has none (one conditional UPDATE), so a race costs one redundant
 * model call, never an overwrite.
 * Never throws: failures are logged and reported in the outcome.
 */
export function createConversationSummaryService(deps: {
  db: Database;
  models: Pick<ModelService, 'chain' | 'stream'>;
  config: Pick<Config['chat'], 'summaryModel' | 'summaryTimeoutMs' | 'defaultContextWindow'>;
  log: Pick<FastifyBaseLogger, 'warn' | 'debug'>;
}) {
  const summaries = createMessageSummaryRepository(deps.db);
  const running = new Map<string, Promise<SummaryOutcome>>();
  const closing = new AbortController();

  async function run(
    userId: string,
    conversationId: string,
    branch: readonly Message[],
    assembled: AssembledContext,
  ): Promise<SummaryOutcome> {
    const plan = planSummary(branch, assembled, await countLater(branch, assembled));
    if (!plan) return { status: 'not_needed' };
    const conversationModel = assembled.model?.id;
    const modelId = deps.config.summaryModel ?? conversationModel;
    const fallbacks = conversationModel && conversationModel !== modelId ? [conversationModel] : [];
    const chain = await deps.models.chain(userId, modelId, fallbacks);
    const info = chain[0]!.info;
    const countTokens = tokenCounterFor(info.id);
    const window = info.contextWindow ?? deps.config.defaultContextWindow;
    const maxTokens = summaryTokenLimit(assembled.tokens.available);
    const signal = AbortSignal.any([closing.signal, AbortSignal.timeout(deps.config.summaryTimeoutMs)]);

    let previous = plan.previous?.text ?? null;
    let remaining = plan.messages;
    const stored: string[] = [];
    let usedModel: string | null = null;
    for (let step = 0; step < MAX_STEPS_PER_RUN && remaining.length > 0; step++) {
      const budget =
        window - maxTokens - REQUEST_OVERHEAD_TOKENS - (previous ? await countTokens(previous) : 0);
      const chunk = await fitTranscript(remaining, assembled.speakers, Math.max(256, budget), countTokens);
      remaining = remaining.slice(chunk.messages.length);
      const cut = chunk.messages.at(-1)!;
      // Another instance may have summarized this far already: build on its summary.
      const existing = (await summaries.summaryOf(userId, cut.id))?.trim();
      if (existing) {
        previous = existing;
        continue;
      }
      const request = summaryRequest({
        previous,
        transcript: chunk.transcript,
        names: assembled.speakers,
        maxTokens,
      });
      const result = await generate(userId, request, chain, maxTokens, signal);
      usedModel = result.modelId ?? usedModel;
      if (await summaries.storeIfAbsent(userId, cut.id, result.text)) {
        stored.push(cut.id);
        previous = result.text;
        continue;
      }
      // Another instance stored one meanwhile (theirs stays), or the message was deleted.
      const theirs = (await summaries.summaryOf(userId, cut.id))?.trim();
      if (!theirs) throw new SummaryFailure('the message to summarize into was deleted');
      previous = theirs;
    }
    deps.log.debug({ conversationId, stored }, 'conversation summary written');
    return { status: 'stored', messageIds: stored, modelId: usedModel };
  }

  /** Counts the messages added after the context was built (usually the reply that just ended). */
  async function countLater(branch: readonly Message[], assembled: AssembledContext) {
    const inContext = new Set(assembled.parts.flatMap((part) => part.messageId ?? []));
    const countTokens = tokenCounterFor(assembled.model?.id);
    const later = new Map<string, number>();
    const oldest = Math.max(0, branch.length - MAX_LATER_MESSAGES);
    for (let index = branch.length - 1; index >= oldest && !inContext.has(branch[index]!.id); index--) {
      later.set(branch[index]!.id, await countTokens(branch[index]!.content));
    }
    return later;
  }

  async function generate(
    userId: string,
    request: ReturnType<typeof summaryRequest>,
    chain: Awaited<ReturnType<ModelService['chain']>>,
    maxTokens: number,
    signal: AbortSignal,
  ): Promise<{ text: string; modelId: string | null }> {
    let text = '';
    let modelId: string | null = chain[0]?.info.id ?? null;
    const stopped = () =>
      new SummaryFailure(closing.signal.aborted ? 'the server is shutting down' : 'timed out');
    // The time limit holds even if a stream does not end promptly when aborted.
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(stopped());
      signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});
    const parts = deps.models
      .stream(userId, { messages: request, chain, purpose: 'summary', maxOutputTokens: maxTokens, signal })
      [Symbol.asyncIterator]();
    try {
      while (true) {
        const next = await Promise.race([parts.next(), aborted]);
        if (next.done) break;
        const part = next.value;
        if (signal.aborted) throw stopped();
        if (part.type === 'text-delta') text += part.delta;
        else if (part.type === 'model') modelId = part.modelId;
        else if (part.type === 'error') throw new SummaryFailure(`${part.code}: ${part.message}`);
      }
    } catch (err) {
      void parts.return?.(undefined)?.catch(() => {});
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (signal.aborted) {
      throw new SummaryFailure(closing.signal.aborted ? 'the server is shutting down' : 'timed out');
    }
    const summary = text.trim();
    if (!summary) throw new SummaryFailure('the model returned an empty summary');
    return { text: summary, modelId };
  }

  return {
    /**
     * Summarizes older turns when `assembled.needsSummary`; meant to run in the background after
     * a reply. Resolves with what happened; never rejects.
     * @example void summaries.summarizeIfNeeded(userId, conversation.id, branch, assembled);
     */
    summarizeIfNeeded(
      userId: string,
      conversationId: string,
      branch: readonly Message[],
      assembled: AssembledContext,
    ): Promise<SummaryOutcome> {
      if (!assembled.needsSummary) return Promise.resolve({ status: 'not_needed' });
      if (running.has(conversationId) || closing.signal.aborted) return Promise.resolve({ status: 'busy' });
      const task = run(userId, conversationId, branch, assembled)
        .catch((err: unknown): SummaryOutcome => {
          const reason = err instanceof Error ? err.message : String(err);
          deps.log.warn(
            { err: err instanceof SummaryFailure ? undefined : err, conversationId, reason },
            'conversation summary failed',
          );
          return { status: 'failed', reason };
        })
        .finally(() => running.delete(conversationId));
      running.set(conversationId, task);
      return task;
    },

    /** True while a summary of this conversation is being written in this process. */
    isRunning: (conversationId: string) => running.has(conversationId),

    /** Resolves when every summary in flight has ended. */
    async idle(): Promise<void> {
      await Promise.all([...running.values()]);
    },

    /** Cancels summaries in flight (shutdown) and waits for them to end. */
    async close(): Promise<void> {
      closing.abort();
      await Promise.all([...running.values()]);
    },
  };
}

export type ConversationSummaryService = ReturnType<typeof createConversationSummaryService>;

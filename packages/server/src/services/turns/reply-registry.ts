import type { Message } from '../../domain/message.js';
import type { ReplyBus } from '../../realtime/reply-bus.js';

/** Why a running reply was stopped: a person asked (`cancelled`), or the server is closing (`interrupted`). */
export type StopReason = 'cancel' | 'shutdown';

/** A reply this process is writing, as the run sees it. */
export interface RunningReply {
  readonly signal: AbortSignal;
  /** Why it was stopped; undefined while it runs. */
  stoppedFor(): StopReason | undefined;
}

/**
 * The replies this process writes, and the one way to stop one. HTTP and WebSocket cancels
 * (`cancel`), a cancel sent from another instance (the bus's `onCancel`) and shutdown (`close`)
 * all end in `stop`: the reply's run sees its signal abort and stores how it ended.
 */
export function createReplyRegistry(deps: {
  bus: Pick<ReplyBus, 'cancel' | 'onCancel'>;
  /** Whether a reply that ended while the database was away is still being stored (late store). */
  storing: (replyId: string) => boolean;
  /** How often a cancel sent to another instance reads the reply to see it stop, and how many times. */
  cancelPollMs?: number;
  cancelPolls?: number;
}) {
  const running = new Map<
    string,
    { controller: AbortController; reason?: StopReason; done?: Promise<void> }
  >();
  // Replies whose row is being inserted (not yet running): this process's, not orphans.
  const starting = new Set<string>();
  let closing = false;

  function stop(replyId: string, reason: StopReason): Promise<void> | undefined {
    const entry = running.get(replyId);
    if (!entry) return undefined;
    entry.reason ??= reason;
    entry.controller.abort();
    return entry.done;
  }

  const stopListening = deps.bus.onCancel((replyId) => void stop(replyId, 'cancel'));

  return {
    /**
     * Marks a reply as this process's before its row exists (the recovery sweep reads rows before
     * it asks `isWriting`), for as long as `insert` takes.
     */
    async reserve<T>(replyId: string, insert: () => Promise<T>): Promise<T> {
      starting.add(replyId);
      try {
        return await insert();
      } finally {
        starting.delete(replyId);
      }
    },

    /**
     * Registers a reply's run; `run` gets the handle it stops by and answers when all is stored.
     * `controller`: the one whose signal a model call started before the row was written
     * already listens to (the engine's early step).
     */
    start(
      replyId: string,
      run: (reply: RunningReply) => Promise<void>,
      controller: AbortController = new AbortController(),
    ): void {
      const entry: { controller: AbortController; reason?: StopReason; done?: Promise<void> } = {
        controller,
      };
      running.set(replyId, entry);
      if (closing) entry.reason = 'shutdown';
      if (closing) entry.controller.abort();
      entry.done = run({ signal: entry.controller.signal, stoppedFor: () => entry.reason }).finally(() =>
        running.delete(replyId),
      );
    },

    /**
     * Stops a reply in flight, here or on another instance, and answers the reply as stored after
     * it stopped. `load` reads the row (owner-scoped by the caller).
     */
    async cancel(replyId: string, load: () => Promise<Message>): Promise<Message> {
      const local = stop(replyId, 'cancel');
      if (local) {
        await local;
        return load();
      }
      await deps.bus.cancel(replyId);
      for (let i = 0; i < (deps.cancelPolls ?? 40); i++) {
        const current = await load();
        if (current.status !== 'streaming') return current;
        await new Promise((resolve) => setTimeout(resolve, deps.cancelPollMs ?? 100));
      }
      return load();
    },

    /** Whether this process writes the reply (or is still storing it): not an orphan. */
    isWriting: (replyId: string) => running.has(replyId) || starting.has(replyId) || deps.storing(replyId),

    /** Replies being written by this process. */
    size: () => running.size,

    /** Stops every reply (they end `interrupted`) and waits until each is stored or handed to the late store. */
    async close(): Promise<void> {
      closing = true;
      stopListening();
      const all = [...running.keys()].map((id) => stop(id, 'shutdown'));
      await Promise.all(all);
    },

    /** True once `close` began: replies still starting are stopped as they register. */
    closing: () => closing,
  };
}

export type ReplyRegistry = ReturnType<typeof createReplyRegistry>;

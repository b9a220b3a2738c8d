import type { StreamPart } from './stream-parts.js';

/** One part of a reply stream (realtime/stream-parts.ts), with its sequence number in the reply. */
export interface ReplyEvent {
  seq: number;
  part: StreamPart;
}

/**
 * What a conversation's channel carries: a reply that started (follow it on the bus), or the
 * automatic title a background job gave the conversation after `replyId` (its reply stream may
 * have ended by then).
 */
export type ConversationAnnouncement =
  | { type: 'reply'; replyId: string }
  | { type: 'title'; replyId: string; title: string };

/**
 * Carries the parts of replies being written, so any request (the one that started the reply,
 * another tab, a reconnect after a dropped connection, another instance) can follow a reply from
 * a sequence number on, and so a cancel reaches the instance doing the writing.
 * In-process by default; with Redis, across instances (realtime/redis-reply-bus.ts).
 */
export interface ReplyBus {
  /** Appends a part to the reply's log (the writer numbers them 1, 2, 3 …). */
  publish(replyId: string, event: ReplyEvent): void;
  /** The reply is finished; its log is kept a short while for late followers. */
  end(replyId: string): void;
  /** Whether the bus knows the reply (in flight, or finished moments ago). */
  has(replyId: string): Promise<boolean>;
  /**
   * The parts after `afterSeq`, then the live ones, until the reply ends or `signal` aborts.
   * Ends at once when the bus does not know the reply.
   */
  follow(replyId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<ReplyEvent>;
  /** Asks whoever writes the reply to stop. */
  cancel(replyId: string): Promise<void>;
  /**
   * Tells the conversation's followers (on every instance) that a reply started. Call it after
   * the reply's first part is published, so a follower that hears it finds the reply's log.
   */
  announce(conversationId: string, replyId: string): void;
  /** Tells the conversation's followers the title a job gave it after the reply `replyId`. */
  announceTitle(conversationId: string, replyId: string, title: string): void;
  /**
   * Calls `listener` with every announcement of the conversation, from any instance. Resolves
   * once it hears them (with Redis, a confirmed SUBSCRIBE) with the function that stops it.
   * @example const stop = await bus.onAnnouncement(id, (a) => follow(a)); … stop();
   */
  onAnnouncement(
    conversationId: string,
    listener: (announcement: ConversationAnnouncement) => void,
  ): Promise<() => void>;
  /** Called with the reply id of every cancel request (from any instance). */
  onCancel(listener: (replyId: string) => void): () => void;
  /**
   * Resolves once the listeners given to `onCancel` hear cancels sent from any instance. With
   * Redis that takes a confirmed SUBSCRIBE, so a cancel sent before then can be missed; rejects
   * when the subscription fails (a later `onCancel` tries again). In-process: at once.
   * @example bus.onCancel(stop); await bus.ready();
   */
  ready(): Promise<void>;
  close(): Promise<void>;
}

interface ReplyLog {
  events: ReplyEvent[];
  ended: boolean;
  wake: Set<() => void>;
}

/** The in-process bus: logs in memory, kept `retainMs` after the reply ends. */
export function createMemoryReplyBus(options: { retainMs?: number } = {}): ReplyBus & {
  /** True when this process holds the reply's log (it is the writer). */
  hasLocal(replyId: string): boolean;
} {
  const retainMs = options.retainMs ?? 60_000;
  const logs = new Map<string, ReplyLog>();
  const listeners = new Set<(replyId: string) => void>();
  const audiences = createAudiences();
  const timers = new Set<NodeJS.Timeout>();

  const logFor = (replyId: string): ReplyLog => {
    let log = logs.get(replyId);
    if (!log) {
      log = { events: [], ended: false, wake: new Set() };
      logs.set(replyId, log);
    }
    return log;
  };
  const wakeAll = (log: ReplyLog) => {
    for (const wake of log.wake) wake();
    log.wake.clear();
  };

  return {
    publish(replyId, event) {
      const log = logFor(replyId);
      log.events.push(event);
      wakeAll(log);
    },

    end(replyId) {
      const log = logFor(replyId);
      log.ended = true;
      wakeAll(log);
      const timer = setTimeout(() => {
        timers.delete(timer);
        logs.delete(replyId);
      }, retainMs);
      timer.unref();
      timers.add(timer);
    },

    has: async (replyId) => logs.has(replyId),
    hasLocal: (replyId) => logs.has(replyId),

    async *follow(replyId, afterSeq, signal) {
      const log = logs.get(replyId);
      if (!log) return;
      let index = log.events.findIndex((e) => e.seq > afterSeq);
      if (index === -1) index = log.events.length;
      // One waker and one abort listener for the whole follow, not one of each per wait: a
      // follower waits once per part of a live reply.
      let resume: (() => void) | null = null;
      const wake = () => {
        const resolve = resume;
        resume = null;
        resolve?.();
      };
      signal.addEventListener('abort', wake, { once: true });
      try {
        while (!signal.aborted) {
          while (index < log.events.length) yield log.events[index++]!;
          if (log.ended || signal.aborted) return;
          await new Promise<void>((resolve) => {
            resume = resolve;
            log.wake.add(wake);
          });
        }
      } finally {
        signal.removeEventListener('abort', wake);
        log.wake.delete(wake);
      }
    },

    announce(conversationId, replyId) {
      audiences.tell(conversationId, { type: 'reply', replyId });
    },

    announceTitle(conversationId, replyId, title) {
      audiences.tell(conversationId, { type: 'title', replyId, title });
    },

    onAnnouncement: async (conversationId, listener) => audiences.join(conversationId, listener),

    async cancel(replyId) {
      for (const listener of listeners) listener(replyId);
    },

    onCancel(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    ready: async () => {},

    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const log of logs.values()) {
        log.ended = true;
        wakeAll(log);
      }
      logs.clear();
    },
  };
}

type AnnouncementListener = (announcement: ConversationAnnouncement) => void;

/** The listeners of each conversation's announcements in this process. */
export function createAudiences() {
  const byConversation = new Map<string, Set<AnnouncementListener>>();
  return {
    tell(conversationId: string, announcement: ConversationAnnouncement) {
      for (const listener of byConversation.get(conversationId) ?? []) listener(announcement);
    },
    /** Adds a listener; the function it returns removes it. */
    join(conversationId: string, listener: AnnouncementListener): () => void {
      let set = byConversation.get(conversationId);
      if (!set) {
        set = new Set();
        byConversation.set(conversationId, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && byConversation.get(conversationId) === set)
          byConversation.delete(conversationId);
      };
    },
    /** Whether anyone in this process listens to the conversation. */
    has: (conversationId: string) => byConversation.has(conversationId),
  };
}

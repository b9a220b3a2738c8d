import type { Redis } from 'ioredis';
import { serviceUnavailable } from '../errors.js';
import { newId } from '../ids.js';
import { subscriberOf } from './redis.js';
import {
  type ConversationAnnouncement,
  createAudiences,
  createMemoryReplyBus,
  type ReplyBus,
  type ReplyEvent,
} from './reply-bus.js';

const logKey = (replyId: string) => `lumina:reply:${replyId}`;
const channel = (replyId: string) => `lumina:reply:${replyId}`;
const CANCEL_CHANNEL = 'lumina:reply-cancel';
const CONVERSATION_PREFIX = 'lumina:conversation:';
/** How long a follower of a conversation waits for its SUBSCRIBE before it goes on without it. */
const SUBSCRIBE_WAIT_MS = 2_000;
/** An announcement on a conversation's channel, with the instance that sent it. */
type WireAnnouncement = ConversationAnnouncement & { from: string };
const END = -1;
/** What the Redis list and channel carry: the reply's events, then one end marker. */
type EndMarker = { seq: typeof END; part: { type: 'end' } };
type WireEvent = ReplyEvent | EndMarker;
const isEnd = (event: WireEvent): event is EndMarker => event.part.type === 'end';

/**
 * The reply bus across instances. The writing instance keeps the log in memory (its own
 * followers never wait on Redis) and mirrors each part to a Redis list plus a channel; another
 * instance replays the list and then follows the channel. Cancels travel on one channel.
 */
export function createRedisReplyBus(
  redis: Redis,
  options: { retainMs?: number; maxLifetimeMs?: number } = {},
): ReplyBus {
  const retainSeconds = Math.ceil((options.retainMs ?? 60_000) / 1000);
  const lifetimeSeconds = Math.ceil((options.maxLifetimeMs ?? 3_600_000) / 1000);
  const local = createMemoryReplyBus(options);
  // Queues its SUBSCRIBEs until connected: the command client fails fast instead (redis.ts).
  const subscriber = subscriberOf(redis);
  const followers = new Map<string, Set<(event: WireEvent) => void>>();
  const cancelListeners = new Set<(replyId: string) => void>();
  // The SUBSCRIBE to the cancel channel, once a listener asked for it (undefined after a failure).
  let cancelSubscription: Promise<void> | undefined;
  // Announcements reach listeners of this instance directly; the channel carries them to the others.
  const instance = newId();
  const audiences = createAudiences();
  const listening = new Map<string, number>();

  subscriber.on('message', (from: string, message: string) => {
    if (from === CANCEL_CHANNEL) {
      for (const listener of cancelListeners) listener(message);
      return;
    }
    if (from.startsWith(CONVERSATION_PREFIX)) {
      const { from: sender, ...announcement } = JSON.parse(message) as WireAnnouncement;
      if (sender !== instance) audiences.tell(from.slice(CONVERSATION_PREFIX.length), announcement);
      return;
    }
    const replyId = from.slice('lumina:reply:'.length);
    const event = JSON.parse(message) as WireEvent;
    for (const deliver of followers.get(replyId) ?? []) deliver(event);
  });

  const mirror = (replyId: string, event: WireEvent, ttlSeconds?: number) => {
    const json = JSON.stringify(event);
    const pipeline = redis.multi().rpush(logKey(replyId), json).publish(channel(replyId), json);
    if (ttlSeconds) pipeline.expire(logKey(replyId), ttlSeconds);
    pipeline.exec().catch(() => {}); // Redis down: local followers still get every part
  };

  /** Local listeners at once; other instances through the conversation's channel. */
  const tell = (conversationId: string, announcement: ConversationAnnouncement) => {
    audiences.tell(conversationId, announcement);
    const wire: WireAnnouncement = { ...announcement, from: instance };
    redis.publish(CONVERSATION_PREFIX + conversationId, JSON.stringify(wire)).catch(() => {});
  };

  async function* followRemote(replyId: string, afterSeq: number, signal: AbortSignal) {
    // Subscribe before reading the backlog so nothing published in between is missed.
    const queue: WireEvent[] = [];
    let wake: (() => void) | undefined;
    const deliver = (event: WireEvent) => {
      queue.push(event);
      wake?.();
    };
    let set = followers.get(replyId);
    if (!set) {
      set = new Set();
      followers.set(replyId, set);
      await subscriber.subscribe(channel(replyId));
    }
    set.add(deliver);
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      const backlog = (await redis.lrange(logKey(replyId), 0, -1)).map((j) => JSON.parse(j) as WireEvent);
      if (backlog.length === 0) return; // unknown reply
      let last = afterSeq;
      for (const event of [...backlog, ...queue.splice(0)]) {
        if (isEnd(event)) return;
        if (event.seq <= last) continue;
        last = event.seq;
        yield event;
      }
      while (!signal.aborted) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        const event = queue.shift()!;
        if (isEnd(event)) return;
        if (event.seq <= last) continue;
        last = event.seq;
        yield event;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      set.delete(deliver);
      if (set.size === 0) {
        followers.delete(replyId);
        await subscriber.unsubscribe(channel(replyId)).catch(() => {});
      }
    }
  }

  return {
    publish(replyId, event) {
      local.publish(replyId, event);
      mirror(replyId, event, event.seq === 1 || event.seq % 100 === 0 ? lifetimeSeconds : undefined);
    },

    end(replyId) {
      local.end(replyId);
      mirror(replyId, { seq: END, part: { type: 'end' } }, retainSeconds);
    },

    async has(replyId) {
      if (local.hasLocal(replyId)) return true;
      // Redis down: only the database can tell how the reply goes (reply-follow.ts reads it).
      return (await redis.exists(logKey(replyId)).catch(() => 0)) > 0;
    },

    follow(replyId, afterSeq, signal) {
      return local.hasLocal(replyId)
        ? local.follow(replyId, afterSeq, signal)
        : followRemote(replyId, afterSeq, signal);
    },

    announce(conversationId, replyId) {
      tell(conversationId, { type: 'reply', replyId });
    },

    announceTitle(conversationId, replyId, title) {
      tell(conversationId, { type: 'title', replyId, title });
    },

    async onAnnouncement(conversationId, listener) {
      const leave = audiences.join(conversationId, listener);
      const count = (listening.get(conversationId) ?? 0) + 1;
      listening.set(conversationId, count);
      if (count === 1) {
        // Redis away: the SUBSCRIBE stays queued (and is made on reconnect); this instance's own
        // announcements still arrive meanwhile.
        const subscribed = subscriber.subscribe(CONVERSATION_PREFIX + conversationId).then(() => {});
        subscribed.catch(() => {});
        await Promise.race([
          subscribed,
          new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_WAIT_MS).unref()),
        ]);
      }
      let left = false;
      return () => {
        if (left) return;
        left = true;
        leave();
        const remaining = (listening.get(conversationId) ?? 1) - 1;
        if (remaining > 0) {
          listening.set(conversationId, remaining);
          return;
        }
        listening.delete(conversationId);
        subscriber.unsubscribe(CONVERSATION_PREFIX + conversationId).catch(() => {});
      };
    },

    async cancel(replyId) {
      await redis.publish(CANCEL_CHANNEL, replyId).catch(() => {
        throw serviceUnavailable(
          'cancel_unreachable',
          'The reply is being written by another server that cannot be reached right now. Try again shortly.',
        );
      });
    },

    onCancel(listener) {
      cancelListeners.add(listener);
      if (!cancelSubscription) {
        const subscribing = subscriber.subscribe(CANCEL_CHANNEL).then(() => {});
        cancelSubscription = subscribing;
        subscribing.catch(() => {
          if (cancelSubscription === subscribing) cancelSubscription = undefined;
        });
      }
      return () => cancelListeners.delete(listener);
    },

    // Nobody listens yet: nothing to wait for.
    ready: () => cancelSubscription ?? Promise.resolve(),

    async close() {
      await local.close();
      subscriber.disconnect();
    },
  };
}

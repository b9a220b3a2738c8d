import { Redis } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisReplyBus } from './redis-reply-bus.js';
import { createMemoryReplyBus, type ReplyBus, type ReplyEvent } from './reply-bus.js';

const redisUrl = process.env.TEST_REDIS_URL;

async function collect(iterable: AsyncIterable<ReplyEvent>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const event of iterable) seqs.push(event.seq);
  return seqs;
}

const delta = (seq: number): ReplyEvent => ({ seq, part: { type: 'text-delta', delta: `t${seq}` } });

/** One suite every bus runs: `reader` follows as another instance would (may equal `writer`). */
function replyBusSuite(name: string, make: () => { writer: ReplyBus; reader: ReplyBus }) {
  describe(`${name} reply bus`, () => {
    const { writer, reader } = make();
    afterAll(async () => {
      await writer.close();
      if (reader !== writer) await reader.close();
    });

    it('replays what was published after a sequence number, then follows live parts to the end', async () => {
      const id = uuidv7();
      writer.publish(id, delta(1));
      writer.publish(id, delta(2));
      await new Promise((r) => setTimeout(r, 50));
      const following = collect(reader.follow(id, 1, new AbortController().signal));
      await new Promise((r) => setTimeout(r, 50));
      writer.publish(id, delta(3));
      writer.publish(id, delta(4));
      writer.end(id);
      expect(await following).toEqual([2, 3, 4]);
    });

    it('ends at once for a reply it does not know', async () => {
      expect(await collect(reader.follow(uuidv7(), 0, new AbortController().signal))).toEqual([]);
      expect(await reader.has(uuidv7())).toBe(false);
    });

    it('keeps a finished reply for late followers', async () => {
      const id = uuidv7();
      writer.publish(id, delta(1));
      writer.end(id);
      await new Promise((r) => setTimeout(r, 50));
      expect(await reader.has(id)).toBe(true);
      expect(await collect(reader.follow(id, 0, new AbortController().signal))).toEqual([1]);
    });

    it('stops following when the signal aborts', async () => {
      const id = uuidv7();
      writer.publish(id, delta(1));
      await new Promise((r) => setTimeout(r, 50));
      const controller = new AbortController();
      const following = collect(reader.follow(id, 0, controller.signal));
      setTimeout(() => controller.abort(), 50);
      expect(await following).toEqual([1]);
      writer.end(id);
    });

    it('delivers a cancel request to the writer', async () => {
      const id = uuidv7();
      const heard = new Promise<string>((resolve) => writer.onCancel(resolve));
      await new Promise((r) => setTimeout(r, 50)); // the subscription is asynchronous with Redis
      await reader.cancel(id);
      expect(await heard).toBe(id);
    });
  });
}

replyBusSuite('in-process', () => {
  const bus = createMemoryReplyBus();
  return { writer: bus, reader: bus };
});

describe.runIf(redisUrl)('with Redis', () => {
  replyBusSuite('Redis (two instances)', () => ({
    writer: createRedisReplyBus(new Redis(redisUrl!)),
    reader: createRedisReplyBus(new Redis(redisUrl!)),
  }));
});

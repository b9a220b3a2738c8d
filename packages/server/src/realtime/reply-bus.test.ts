import { Redis } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createRedisReplyBus } from './redis-reply-bus.js';
import { createMemoryReplyBus, type ReplyBus, type ReplyEvent } from './reply-bus.js';

const redisUrl = process.env.TEST_REDIS_URL;

async function collect(iterable: AsyncIterable<ReplyEvent>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const event of iterable) seqs.push(event.seq);
  return seqs;
}

/** The sequence numbers an iterator still yields, to its end. */
async function rest(iterator: AsyncIterator<ReplyEvent>): Promise<number[]> {
  const seqs: number[] = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) seqs.push(next.value.seq);
  return seqs;
}

/** Published parts reach another instance through Redis a moment later: wait until it knows the reply. */
async function knownTo(bus: ReplyBus, replyId: string): Promise<void> {
  await vi.waitFor(async () => expect(await bus.has(replyId)).toBe(true));
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
      await knownTo(reader, id);
      const following = reader.follow(id, 1, new AbortController().signal)[Symbol.asyncIterator]();
      // Part 2 came from the replay; once it is out, the follower listens for live parts.
      expect((await following.next()).value?.seq).toBe(2);
      writer.publish(id, delta(3));
      writer.publish(id, delta(4));
      writer.end(id);
      expect(await rest(following)).toEqual([3, 4]);
    });

    it('ends at once for a reply it does not know', async () => {
      expect(await collect(reader.follow(uuidv7(), 0, new AbortController().signal))).toEqual([]);
      expect(await reader.has(uuidv7())).toBe(false);
    });

    it('keeps a finished reply for late followers', async () => {
      const id = uuidv7();
      writer.publish(id, delta(1));
      writer.end(id);
      await knownTo(reader, id);
      expect(await collect(reader.follow(id, 0, new AbortController().signal))).toEqual([1]);
    });

    it('stops following when the signal aborts', async () => {
      const id = uuidv7();
      writer.publish(id, delta(1));
      await knownTo(reader, id);
      const controller = new AbortController();
      const following = reader.follow(id, 0, controller.signal)[Symbol.asyncIterator]();
      expect((await following.next()).value?.seq).toBe(1);
      // `rest` asks for the next part at once; the follower waits for one (the reply goes on)
      // until the abort ends it.
      const remaining = rest(following);
      controller.abort();
      expect(await remaining).toEqual([]);
      writer.end(id);
    });

    it('delivers a cancel request to the writer', async () => {
      const id = uuidv7();
      const heard = new Promise<string>((resolve) => writer.onCancel(resolve));
      await writer.ready();
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

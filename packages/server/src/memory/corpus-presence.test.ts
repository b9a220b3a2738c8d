import { describe, expect, it } from 'vitest';
import { noteWrite } from '../db/write-notices.js';
import { createCorpusPresence } from './corpus-presence.js';

describe('corpus presence', () => {
  function setup() {
    const db = {};
    const stored = new Set<string>();
    const asked: string[] = [];
    let clock = 0;
    const presence = createCorpusPresence(
      db,
      {
        memories: async (ownerId) => {
          asked.push(`memories ${ownerId}`);
          return stored.has(`memories ${ownerId}`);
        },
        documents: async (ownerId, avatarId) => {
          asked.push(`documents ${ownerId}/${avatarId}`);
          return stored.has(`documents ${ownerId}/${avatarId}`);
        },
      },
      { ttlMs: 5_000, now: () => clock },
    );
    return { db, presence, stored, asked, tick: (ms: number) => (clock += ms) };
  }

  it('asks once per user and per avatar within the time it trusts an answer', async () => {
    const { presence, asked, tick } = setup();
    expect(await presence.memories('u1')).toBe(false);
    expect(await presence.memories('u1')).toBe(false);
    expect(await presence.documents('u1', 'a1')).toBe(false);
    expect(await presence.documents('u1', 'a1')).toBe(false);
    expect(await presence.documents('u1', 'a2')).toBe(false);
    expect(await presence.documents('u2', 'a1')).toBe(false);
    expect(asked).toEqual(['memories u1', 'documents u1/a1', 'documents u1/a2', 'documents u2/a1']);
    tick(4_999);
    await presence.memories('u1');
    expect(asked).toHaveLength(4);
    tick(1);
    await presence.memories('u1');
    expect(asked.at(-1)).toBe('memories u1');
    expect(asked).toHaveLength(5);
  });

  it('hears of rows stored by this process at once; of other instances’ when the time runs out', async () => {
    const { db, presence, stored, asked, tick } = setup();
    expect(await presence.memories('u1')).toBe(false);
    expect(await presence.documents('u1', 'a1')).toBe(false);
    // Stored here: the next question is asked again at once.
    stored.add('memories u1');
    noteWrite(db, 'memories', 'u1');
    expect(await presence.memories('u1')).toBe(true);
    stored.add('documents u1/a1');
    noteWrite(db, 'knowledge_chunks', 'u1');
    expect(await presence.documents('u1', 'a1')).toBe(true);
    // A write on another database handle is not this cache's.
    stored.add('documents u1/a2');
    expect(await presence.documents('u1', 'a2')).toBe(true);
    stored.add('memories u2');
    expect(await presence.memories('u2')).toBe(true);
    const before = asked.length;
    // Stored by another instance: the stale "no" holds until it expires.
    expect(await presence.documents('u3', 'a1')).toBe(false);
    stored.add('documents u3/a1');
    noteWrite({}, 'knowledge_chunks', 'u3');
    expect(await presence.documents('u3', 'a1')).toBe(false);
    tick(5_000);
    expect(await presence.documents('u3', 'a1')).toBe(true);
    expect(asked.length).toBe(before + 2);
  });

  it('does not keep an answer asked before a write that came while it was asked', async () => {
    const db = {};
    let release = () => {};
    let first = true;
    const presence = createCorpusPresence(db, {
      memories: async () => {
        if (!first) return true;
        first = false;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return false; // read before the insert committed
      },
      documents: async () => false,
    });
    const pending = presence.memories('u1');
    noteWrite(db, 'memories', 'u1');
    release();
    expect(await pending).toBe(false);
    // The stale "no" was not kept: asked again.
    expect(await presence.memories('u1')).toBe(true);
    presence.close();
  });
});

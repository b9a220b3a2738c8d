import { describe, expect, it } from 'vitest';
import { createDocumentPresence } from './document-presence.js';

describe('document presence', () => {
  function setup() {
    const stored = new Set<string>();
    const asked: string[] = [];
    let clock = 0;
    const presence = createDocumentPresence(
      async (ownerId, avatarId) => {
        asked.push(`${ownerId}/${avatarId}`);
        return stored.has(`${ownerId}/${avatarId}`);
      },
      { ttlMs: 5_000, now: () => clock },
    );
    return { presence, stored, asked, tick: (ms: number) => (clock += ms) };
  }

  it('asks the database once per avatar within the time it trusts an answer', async () => {
    const { presence, asked, tick } = setup();
    expect(await presence.has('u1', 'a1')).toBe(false);
    expect(await presence.has('u1', 'a1')).toBe(false);
    expect(await presence.has('u1', 'a2')).toBe(false);
    expect(await presence.has('u2', 'a1')).toBe(false);
    expect(asked).toEqual(['u1/a1', 'u1/a2', 'u2/a1']);
    tick(4_999);
    await presence.has('u1', 'a1');
    expect(asked).toHaveLength(3);
    tick(1);
    await presence.has('u1', 'a1');
    expect(asked).toEqual(['u1/a1', 'u1/a2', 'u2/a1', 'u1/a1']);
  });

  it('knows a document indexed here at once, and one indexed elsewhere after the time runs out', async () => {
    const { presence, stored, asked, tick } = setup();
    expect(await presence.has('u1', 'a1')).toBe(false);
    // Indexed by this process: no wait, no question.
    presence.indexed('u1', 'a1');
    expect(await presence.has('u1', 'a1')).toBe(true);
    expect(asked).toEqual(['u1/a1']);
    // Indexed by another instance: the stale "no" holds until it expires.
    expect(await presence.has('u1', 'a2')).toBe(false);
    stored.add('u1/a2');
    expect(await presence.has('u1', 'a2')).toBe(false);
    tick(5_000);
    expect(await presence.has('u1', 'a2')).toBe(true);
    // Another user's avatar of the same id is another answer.
    expect(await presence.has('u2', 'a2')).toBe(false);
  });
});

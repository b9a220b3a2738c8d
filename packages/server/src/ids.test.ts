import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { isUuid, newId } from './ids.js';

describe('newId', () => {
  it('makes valid, unique UUIDv7s that sort in the order they were made, also within a millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => newId());
    for (const id of ids.slice(0, 50)) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('isUuid', () => {
  it('takes UUIDs of any version in either case and nothing else', () => {
    expect(isUuid(newId())).toBe(true);
    expect(isUuid('6F9619FF-8B86-D011-B42D-00C04FC964FF')).toBe(true);
    for (const bad of ['', 'x', `${newId()}'`, `${newId()} `, '6f9619ff8b86d011b42d00c04fc964ff'])
      expect(isUuid(bad), bad).toBe(false);
  });
});

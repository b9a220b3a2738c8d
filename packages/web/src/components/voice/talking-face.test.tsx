import { describe, expect, it } from 'vitest';
import { visemeMouth } from './talking-face';

describe('visemeMouth', () => {
  it('gives each of the server’s ten shapes its own mouth: closed at rest and on m, widest open on a', () => {
    const shapes = ['rest', 'a', 'e', 'i', 'o', 'u', 'm', 'f', 'l', 's'];
    const mouths = Object.fromEntries(shapes.map((shape) => [shape, visemeMouth(shape, 0.5)]));
    expect(mouths.rest!.open).toBeLessThan(0.1);
    expect(mouths.m!.open).toBeLessThan(0.1);
    for (const shape of shapes.filter((s) => s !== 'a'))
      expect(mouths[shape]!.open).toBeLessThan(mouths.a!.open);
    // Rounded vowels are narrower than spread ones.
    expect(mouths.o!.wide).toBeLessThan(mouths.e!.wide);
    expect(mouths.u!.wide).toBeLessThan(mouths.i!.wide);
    // None of them is the level fallback: the shape decides, not how loud it is.
    for (const shape of shapes) expect(visemeMouth(shape, 0)).toEqual(visemeMouth(shape, 1));
  });

  it('without visemes (or an unknown one) the mouth opens with the output level', () => {
    expect(visemeMouth(null, 0).open).toBe(0);
    expect(visemeMouth(null, 0.05).open).toBeGreaterThan(visemeMouth(null, 0.01).open);
    expect(visemeMouth('unknown', 0.5)).toEqual(visemeMouth(null, 0.5));
  });
});

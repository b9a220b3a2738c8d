import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { BAR_REST, TalkingFace, VOICE_BARS, visemeMouth, voiceBars } from './talking-face';

afterEach(cleanup);

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

describe('voiceBars', () => {
  const sum = (bars: number[]) => bars.reduce((a, b) => a + b, 0);

  it('is a row of dots when the mouth is closed, and rises as it opens', () => {
    expect(voiceBars(0, 0.7, 0)).toEqual(Array(VOICE_BARS).fill(BAR_REST));
    const half = voiceBars(0.5, 0.7, 0);
    const full = voiceBars(1, 0.7, 0);
    for (let i = 0; i < VOICE_BARS; i++) expect(full[i]!).toBeGreaterThan(half[i]!);
    // The centre bar of a fully open mouth is at full height.
    expect(full[Math.floor(VOICE_BARS / 2)]).toBeCloseTo(1);
    for (const bar of [...half, ...full]) {
      expect(bar).toBeGreaterThanOrEqual(BAR_REST);
      expect(bar).toBeLessThanOrEqual(1);
    }
  });

  it('draws the viseme’s shape: a spread vowel broad, a rounded one a narrow peak', () => {
    const e = visemeMouth('e', 0);
    const o = visemeMouth('o', 0);
    const spread = voiceBars(1, e.wide, 0);
    const rounded = voiceBars(1, o.wide, 0);
    // Relative to its own centre, the spread shape's outer bars stand higher.
    const centre = Math.floor(VOICE_BARS / 2);
    expect(spread[0]! / spread[centre]!).toBeGreaterThan(rounded[0]! / rounded[centre]!);
    // Symmetric around the centre.
    expect(spread[0]).toBeCloseTo(spread[VOICE_BARS - 1]!);
  });

  it('flutters with time but stays within its bounds, and is still without time (reduced motion)', () => {
    expect(voiceBars(0.8, 0.7, 1.3)).not.toEqual(voiceBars(0.8, 0.7, 1.9));
    expect(voiceBars(0.8, 0.7, 0)).toEqual(voiceBars(0.8, 0.7, 0));
    for (let t = 0.1; t < 3; t += 0.37) {
      const bars = voiceBars(1, 1, t);
      expect(Math.min(...bars)).toBeGreaterThanOrEqual(BAR_REST);
      expect(Math.max(...bars)).toBeLessThanOrEqual(1);
      expect(sum(bars)).toBeGreaterThan(sum(voiceBars(0.2, 1, t)));
    }
  });
});

describe('TalkingFace', () => {
  const heights = () =>
    screen.getAllByTestId('talking-bar').map((bar) => Number.parseFloat(bar.style.height));

  it('shows the picture with a ring and voice bars at rest while nothing plays', async () => {
    render(
      <TalkingFace name="Ada" imageUrl="/ada.png" level={() => 0} viseme={() => null} listening={false} />,
    );
    expect(screen.getByTestId('talking-face').querySelector('img')?.getAttribute('src')).toBe('/ada.png');
    expect(screen.getByTestId('talking-ring')).toBeTruthy();
    expect(screen.getAllByTestId('talking-bar')).toHaveLength(VOICE_BARS);
    // A few animation frames later the bars are still dots.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heights()).toEqual(Array(VOICE_BARS).fill(Math.round(BAR_REST * 100)));
    // No picture: the name's initial.
    cleanup();
    render(<TalkingFace name="ada" imageUrl={null} level={() => 0} viseme={() => null} listening />);
    expect(screen.getByTestId('talking-face').textContent).toContain('A');
  });

  it('raises the bars and brightens the ring with the output level, and follows the viseme sounding', async () => {
    let level = 0.25;
    let shape: string | null = null;
    render(
      <TalkingFace name="Ada" imageUrl={null} level={() => level} viseme={() => shape} listening={false} />,
    );
    await waitFor(() => expect(Math.max(...heights())).toBeGreaterThan(60));
    expect(Number(screen.getByTestId('talking-ring').style.opacity)).toBeGreaterThan(0.9);
    // A closed viseme (m) closes it, however loud.
    shape = 'm';
    await waitFor(() => expect(Math.max(...heights())).toBeLessThan(40));
    // Silence: back to dots, the ring dim.
    shape = null;
    level = 0;
    await waitFor(() => expect(heights()).toEqual(Array(VOICE_BARS).fill(Math.round(BAR_REST * 100))), {
      timeout: 3000,
    });
    expect(Number(screen.getByTestId('talking-ring').style.opacity)).toBeLessThan(0.5);
  });
});

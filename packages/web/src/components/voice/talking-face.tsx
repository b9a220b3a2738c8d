import clsx from 'clsx';
import { useEffect, useRef } from 'react';
import { AvatarPicture } from '../avatars/avatar-picture';

/**
 * How open and how wide the mouth is for a viseme: the server's ten shapes (rest, a, e, i, o,
 * u, m, f, l, s; flite's phones mapped), and a few other common names; unknown ones follow the
 * output level.
 */
export function visemeMouth(shape: string | null, level: number): { open: number; wide: number } {
  const byLevel = { open: Math.min(1, level * 6), wide: 0.7 };
  if (shape === null) return byLevel;
  const s = shape.toLowerCase();
  if (['sil', 'rest', 'x', 'm', 'b', 'p', 'pp', 'mbp'].includes(s)) return { open: 0.04, wide: 0.6 };
  if (['a', 'aa', 'ai', 'ah'].includes(s)) return { open: 1, wide: 0.85 };
  if (['o', 'oh', 'u', 'ou', 'w', 'wq', 'w-oo'].includes(s)) return { open: 0.7, wide: 0.45 };
  if (['e', 'ee', 'i', 'ih', 'ey'].includes(s)) return { open: 0.45, wide: 1 };
  if (['f', 'v', 'ff', 'fv', 'th', 'dd', 'l'].includes(s)) return { open: 0.22, wide: 0.75 };
  if (['s', 'ss', 'z', 'ch', 'sh'].includes(s)) return { open: 0.14, wide: 0.95 };
  return byLevel;
}

/** Bars of the voice indicator under the face. */
export const VOICE_BARS = 7;
const BAR_KEYS = Array.from({ length: VOICE_BARS }, (_, i) => `bar-${i}`);
/** A bar's height at rest, as a share of its full height: a row of dots. */
export const BAR_REST = 0.2;

/**
 * The voice indicator's bar heights (BAR_REST…1 each, centre first in weight) for a mouth:
 * `open` raises them all; `wide` spreads the shape — a spread vowel (e, i) is a broad plateau,
 * a rounded one (o, u) a narrow peak. `timeSeconds` gives each bar its own slow flutter, so a
 * held sound does not look frozen (pass 0 for none: reduced motion).
 */
export function voiceBars(open: number, wide: number, timeSeconds: number, count = VOICE_BARS): number[] {
  const clampedOpen = Math.max(0, Math.min(1, open));
  const spread = Math.max(0.15, Math.min(1, wide));
  return Array.from({ length: count }, (_, i) => {
    // -1 … 1 across the row.
    const x = count === 1 ? 0 : (i / (count - 1)) * 2 - 1;
    const envelope = Math.exp(-((x / (spread * 1.1)) ** 2));
    const flutter = timeSeconds === 0 ? 1 : 0.8 + 0.2 * Math.sin(timeSeconds * (7 + i * 2.3) + i * 1.7);
    return BAR_REST + (1 - BAR_REST) * clampedOpen * envelope * flutter;
  });
}

/**
 * The avatar's picture as a talking face: a ring around the picture that brightens and a glow
 * that swells with the voice, and a voice indicator (a row of bars on the picture's lower edge)
 * that moves with the output level, or takes the shape of the engine's visemes when it sends
 * them. Nothing is painted onto the picture itself: avatar pictures are any face at any framing,
 * so a drawn mouth would land on a chin or a collar. Animated by writing styles on each
 * animation frame, not by re-rendering.
 */
export function TalkingFace({
  name,
  imageUrl,
  level,
  viseme,
  listening,
  className,
}: {
  name: string;
  imageUrl: string | null;
  /** The avatar's output level now, 0…1. */
  level: () => number;
  /** The viseme sounding now, if the engine sends them. */
  viseme: () => string | null;
  /** The person's turn: the ring and glow in the "hearing you" colour. */
  listening: boolean;
  className?: string;
}) {
  const glow = useRef<HTMLDivElement>(null);
  const ring = useRef<HTMLDivElement>(null);
  const ripple = useRef<HTMLDivElement>(null);
  const face = useRef<HTMLDivElement>(null);
  const bars = useRef<HTMLSpanElement[]>([]);

  useEffect(() => {
    let frame = 0;
    let smooth = 0;
    const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
    const tick = () => {
      const shape = viseme();
      const current = level();
      // Quick to rise, slower to fall: reads as speech, not flicker.
      smooth = current > smooth ? smooth * 0.4 + current * 0.6 : smooth * 0.82 + current * 0.18;
      const silent = smooth < 0.004 && shape === null;
      const { open, wide } = visemeMouth(shape, smooth);
      const g = silent ? 0 : Math.min(1, smooth * 5);
      if (glow.current) {
        glow.current.style.opacity = String(0.25 + g * 0.75);
        glow.current.style.transform = reduced ? '' : `scale(${1 + g * 0.12})`;
      }
      if (ring.current) ring.current.style.opacity = String(0.35 + g * 0.65);
      if (ripple.current) {
        ripple.current.style.opacity = String(g * 0.55);
        ripple.current.style.transform = reduced ? '' : `scale(${1 + g * 0.07})`;
      }
      if (face.current && !reduced) face.current.style.transform = `scale(${1 + g * 0.015})`;
      const heights = voiceBars(
        silent ? 0 : open,
        wide,
        reduced ? 0 : performance.now() / 1000,
        bars.current.length,
      );
      bars.current.forEach((bar, i) => {
        bar.style.height = `${Math.round((heights[i] ?? BAR_REST) * 100)}%`;
      });
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [level, viseme]);

  const tone = listening ? 'var(--ok)' : 'var(--accent)';
  return (
    <div className={clsx('relative aspect-square', className)} data-testid="talking-face">
      {/* The glow: a soft light behind the face that swells with the voice. */}
      <div
        ref={glow}
        aria-hidden="true"
        className="absolute -inset-[22%] rounded-full opacity-25 transition-[background] duration-300"
        style={{
          background: `radial-gradient(closest-side, color-mix(in oklab, ${tone} 55%, transparent), transparent)`,
        }}
      />
      {/* The ripple: an outer ring that opens out on loud syllables. */}
      <div
        ref={ripple}
        aria-hidden="true"
        className="absolute -inset-3.5 rounded-full border-2 opacity-0 transition-colors duration-300"
        style={{ borderColor: `color-mix(in oklab, ${tone} 45%, transparent)` }}
      />
      {/* The ring: always there around the picture, brighter while the avatar speaks. */}
      <div
        ref={ring}
        data-testid="talking-ring"
        aria-hidden="true"
        className="absolute -inset-1.5 rounded-full border-[3px] opacity-35 transition-colors duration-300"
        style={{ borderColor: tone }}
      />
      <div
        ref={face}
        className="relative size-full overflow-hidden rounded-full bg-surface-sunken shadow-pop ring-2 ring-surface dark:ring-surface-raised"
      >
        {imageUrl ? (
          <AvatarPicture src={imageUrl} className="size-full rounded-none! border-0!" />
        ) : (
          <span className="flex size-full items-center justify-center text-5xl font-semibold text-ink-muted">
            {name.slice(0, 1).toUpperCase()}
          </span>
        )}
      </div>
      {/* The voice: bars on a small pill over the picture's lower edge. */}
      <div className="absolute inset-x-0 -bottom-3.5 flex justify-center" aria-hidden="true">
        <div
          data-testid="talking-voice"
          className="flex h-8 items-center gap-[3px] rounded-full bg-surface/90 px-3 shadow-pop ring-1 ring-line backdrop-blur-sm dark:bg-surface-raised/90 dark:ring-line-strong"
        >
          {BAR_KEYS.map((key, i) => (
            <span key={key} className="flex h-5 w-1 items-center">
              <span
                ref={(el) => {
                  if (el) bars.current[i] = el;
                }}
                data-testid="talking-bar"
                className="w-full rounded-full transition-colors duration-300"
                style={{ height: `${Math.round(BAR_REST * 100)}%`, background: tone }}
              />
            </span>
          ))}
        </div>
      </div>
      <span className="sr-only">{name}</span>
    </div>
  );
}

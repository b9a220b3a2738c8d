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

/**
 * The avatar's picture as a talking face: a glow that swells with the voice, the picture moving
 * with it, and a mouth under the picture that opens with the output level (or takes the shape
 * of the engine's visemes when it sends them). Pictures are any face at any framing, so the
 * mouth is not painted onto them (it would land on a chin or a collar). Animated by writing
 * styles on each animation frame, not by re-rendering.
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
  /** The person's turn: the glow in the "hearing you" colour. */
  listening: boolean;
  className?: string;
}) {
  const glow = useRef<HTMLDivElement>(null);
  const face = useRef<HTMLDivElement>(null);
  const mouth = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let frame = 0;
    let smooth = 0;
    const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
    const tick = () => {
      const now = level();
      const shape = viseme();
      // Quick to open, slower to close: reads as speech, not flicker.
      smooth = now > smooth ? smooth * 0.4 + now * 0.6 : smooth * 0.82 + now * 0.18;
      const { open, wide } = visemeMouth(shape, smooth);
      const openness = smooth < 0.004 && shape === null ? 0 : open;
      const g = Math.min(1, smooth * 5);
      if (glow.current) {
        glow.current.style.opacity = String(0.2 + g * 0.8);
        glow.current.style.transform = reduced ? '' : `scale(${1 + g * 0.14})`;
      }
      if (face.current && !reduced)
        face.current.style.transform = `translateY(${-openness * 1.5}%) scale(${1 + g * 0.025})`;
      if (mouth.current) {
        mouth.current.style.width = `${22 + wide * 26}%`;
        mouth.current.style.height = `${6 + openness * 16}px`;
        // Closed, the mouth is not drawn: a resting line under the picture reads as a scratch.
        mouth.current.style.opacity = openness > 0.03 ? '1' : '0';
      }
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [level, viseme]);

  return (
    <div className={clsx('relative aspect-square', className)} data-testid="talking-face">
      <div
        ref={glow}
        aria-hidden="true"
        className={clsx(
          'absolute -inset-5 rounded-full opacity-20 blur-2xl transition-colors duration-300',
          listening
            ? 'bg-[radial-gradient(closest-side,var(--ok),transparent)]'
            : 'bg-[radial-gradient(closest-side,var(--accent),transparent)]',
        )}
      />
      <div
        ref={face}
        className="relative size-full overflow-hidden rounded-full border-4 border-surface bg-surface-sunken shadow-pop dark:border-surface-raised"
      >
        {imageUrl ? (
          <AvatarPicture src={imageUrl} className="size-full rounded-none! border-0!" />
        ) : (
          <span className="flex size-full items-center justify-center text-5xl font-semibold text-ink-muted">
            {name.slice(0, 1).toUpperCase()}
          </span>
        )}
      </div>
      {/* The mouth: a dark opening with a lip-coloured rim, sitting on the picture's lower edge. */}
      <div className="absolute inset-x-0 -bottom-1 flex h-6 items-center justify-center" aria-hidden="true">
        <div
          ref={mouth}
          data-testid="talking-mouth"
          className="rounded-[50%] border-[3px] border-[#d9828f] bg-[#3b1218] shadow-[inset_0_-4px_5px_rgba(255,140,150,0.5),0_0_0_2px_var(--surface)] transition-opacity duration-150"
          style={{ width: '36%', height: '6px', opacity: 0 }}
        />
      </div>
      <span className="sr-only">{name}</span>
    </div>
  );
}

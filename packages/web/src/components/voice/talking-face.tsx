import clsx from 'clsx';
import { useEffect, useRef } from 'react';
import { AvatarPicture } from '../avatars/avatar-picture';

/** How open and how wide the mouth is for a viseme (Preston Blair / Oculus-style names, loosely). */
export function visemeMouth(shape: string | null, level: number): { open: number; wide: number } {
  const byLevel = { open: Math.min(1, level * 6), wide: 0.7 };
  if (shape === null) return byLevel;
  const s = shape.toLowerCase();
  if (['sil', 'rest', 'x', 'm', 'b', 'p', 'pp', 'mbp'].includes(s)) return { open: 0.04, wide: 0.6 };
  if (['a', 'aa', 'ai', 'ah'].includes(s)) return { open: 1, wide: 0.85 };
  if (['o', 'oh', 'u', 'ou', 'w', 'wq', 'w-oo'].includes(s)) return { open: 0.7, wide: 0.45 };
  if (['e', 'ee', 'i', 'ih', 'ey'].includes(s)) return { open: 0.45, wide: 1 };
  if (['f', 'v', 'ff', 'fv', 'th', 'dd', 'l'].includes(s)) return { open: 0.22, wide: 0.75 };
  return byLevel;
}

/**
 * The avatar's picture as a talking face: a glow that swells with the voice, and a mouth that
 * opens with the output level (or follows the engine's visemes when it sends them). Animated by
 * writing styles on each animation frame, not by re-rendering.
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
  /** The person's turn: a calm ring instead of the voice's glow. */
  listening: boolean;
  className?: string;
}) {
  const glow = useRef<HTMLDivElement>(null);
  const mouth = useRef<HTMLDivElement>(null);
  const jaw = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let frame = 0;
    let smooth = 0;
    const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
    const tick = () => {
      const now = level();
      // Quick to open, slower to close: reads as speech, not flicker.
      smooth = now > smooth ? smooth * 0.4 + now * 0.6 : smooth * 0.82 + now * 0.18;
      const { open, wide } = visemeMouth(viseme(), smooth);
      const openness = now < 0.004 && viseme() === null ? 0 : open;
      if (glow.current) {
        const g = Math.min(1, smooth * 5);
        glow.current.style.opacity = String(0.25 + g * 0.75);
        glow.current.style.transform = reduced ? '' : `scale(${1 + g * 0.12})`;
      }
      if (mouth.current) {
        mouth.current.style.transform = `translate(-50%, -50%) scale(${0.35 + wide * 0.65}, ${Math.max(0.08, openness)})`;
        mouth.current.style.opacity = openness > 0.02 ? '0.9' : '0';
      }
      if (jaw.current && !reduced) jaw.current.style.transform = `translateY(${openness * 3}%)`;
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
          'absolute -inset-4 rounded-full bg-[radial-gradient(closest-side,var(--accent),transparent)] opacity-25 blur-xl transition-colors',
          listening && 'bg-[radial-gradient(closest-side,var(--ok),transparent)]',
        )}
      />
      <div className="relative size-full overflow-hidden rounded-full border-4 border-surface bg-surface-sunken shadow-pop dark:border-surface-raised">
        {imageUrl ? (
          <>
            <AvatarPicture src={imageUrl} className="absolute inset-0 size-full rounded-none! border-0!" />
            {/* The lower face again, moved down a little with the voice: a jaw that drops. */}
            <div ref={jaw} aria-hidden="true" className="absolute inset-0 [clip-path:inset(62%_0_0_0)]">
              <AvatarPicture src={imageUrl} className="absolute inset-0 size-full rounded-none! border-0!" />
            </div>
          </>
        ) : (
          <span className="flex size-full items-center justify-center text-5xl font-semibold text-ink-muted">
            {name.slice(0, 1).toUpperCase()}
          </span>
        )}
        <div
          ref={mouth}
          aria-hidden="true"
          className="absolute top-[72%] left-1/2 h-[9%] w-[24%] rounded-[50%] bg-[#2a0f14]/85 opacity-0 shadow-[inset_0_-2px_3px_rgba(255,120,130,0.35)]"
          style={{ transform: 'translate(-50%, -50%) scale(0.6, 0.08)' }}
        />
      </div>
      <span className="sr-only">{name}</span>
    </div>
  );
}

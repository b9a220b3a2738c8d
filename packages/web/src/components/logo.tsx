import { Sparkles } from 'lucide-react';

/** The Lumina mark and wordmark. */
export function Logo() {
  return (
    <span className="flex items-center gap-2.5">
      <span
        aria-hidden="true"
        className="flex size-8 items-center justify-center rounded-lg bg-gradient-to-br from-violet-500 to-pink-500 text-white shadow-sm"
      >
        <Sparkles className="size-4.5" strokeWidth={2.25} />
      </span>
      <span className="text-[17px] font-semibold tracking-tight text-ink">Lumina</span>
    </span>
  );
}

import * as RadixDialog from '@radix-ui/react-dialog';
import clsx from 'clsx';
import { Hand, Mic, MicOff, PhoneOff, RotateCcw, Square, Timer, X } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { type CallPhase, type CallState, describeTiming } from '../../lib/voice/call-state';
import type { CallMode } from '../../lib/voice/protocol';
import { useVoiceCall, type VoiceCall } from '../../lib/voice/use-voice-call';
import { TalkingFace } from './talking-face';

const MODE_KEY = 'lumina.voice.mode';

function storedMode(): CallMode {
  try {
    return localStorage.getItem(MODE_KEY) === 'push_to_talk' ? 'push_to_talk' : 'hands_free';
  } catch {
    return 'hands_free';
  }
}

/**
 * The call screen over a conversation: the avatar's talking face, what each side says as it is
 * said, and the controls (mute, push-to-talk or hands-free, end). `onClose` runs when the call
 * is over and the screen should go (the conversation then shows the spoken turns).
 */
export function CallView({
  conversationId,
  avatar,
  onClose,
}: {
  conversationId: string;
  avatar: { name: string; imageUrl: string | null };
  onClose: () => void;
}) {
  // "Call again" after a failure starts a new call (a new socket, the mic asked for again).
  const [attempt, setAttempt] = useState(0);
  return (
    <RadixDialog.Root open onOpenChange={(open) => (open ? undefined : onClose())}>
      <RadixDialog.Portal>
        <RadixDialog.Content
          aria-describedby={undefined}
          className="fixed inset-0 z-50 flex animate-fade-in flex-col bg-canvas text-ink outline-none"
        >
          <Call
            key={attempt}
            conversationId={conversationId}
            avatar={avatar}
            onClose={onClose}
            onRetry={() => setAttempt((n) => n + 1)}
          />
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

function Call({
  conversationId,
  avatar,
  onClose,
  onRetry,
}: {
  conversationId: string;
  avatar: { name: string; imageUrl: string | null };
  onClose: () => void;
  onRetry: () => void;
}) {
  const call = useVoiceCall(conversationId, storedMode());
  const { state } = call;
  const over = state.phase === 'ended' || state.phase === 'failed';

  // A call ended by the person (or a normal close) leaves at once; a failed one stays to say why.
  useEffect(() => {
    if (state.phase === 'ended') onClose();
  }, [state.phase, onClose]);

  usePushToTalkKey(call, state.mode === 'push_to_talk' && !over);

  const end = () => {
    call.hangUp();
    onClose();
  };

  return (
    <>
      <header className="flex shrink-0 items-center gap-3 border-b border-line bg-surface px-3 py-2.5 sm:px-5">
        <div className="min-w-0 flex-1">
          <RadixDialog.Title className="truncate font-semibold text-ink">
            Call with {avatar.name}
          </RadixDialog.Title>
          <p className="truncate text-xs text-ink-muted" aria-live="polite">
            {statusText(state, avatar.name)}
          </p>
        </div>
        <LatencyReadout state={state} />
        <button
          type="button"
          className="icon-btn size-10 shrink-0"
          aria-label="End call and close"
          onClick={end}
        >
          <X className="size-5" aria-hidden="true" />
        </button>
      </header>

      {/* The face and the status stay in view; the transcript scrolls on its own: below them, or
          beside them on a short screen (a phone held sideways). */}
      <div className="flex min-h-0 flex-1 flex-col items-center overflow-hidden px-4 pt-6 sm:pt-10 [@media(max-height:600px)]:flex-row [@media(max-height:600px)]:items-stretch [@media(max-height:600px)]:justify-center [@media(max-height:600px)]:gap-8 [@media(max-height:600px)]:pt-4">
        <div className="flex shrink-0 flex-col items-center [@media(max-height:600px)]:justify-center [@media(max-height:600px)]:pb-4">
          <TalkingFace
            name={avatar.name}
            imageUrl={avatar.imageUrl}
            level={call.outputLevel}
            viseme={call.viseme}
            listening={state.phase === 'hearing'}
            className="w-40 shrink-0 sm:w-52 [@media(max-height:600px)]:w-24"
          />
          <PhaseChip phase={state.phase} muted={state.muted} />
        </div>

        <div className="flex min-h-0 w-full max-w-xl flex-1 flex-col items-center">
          {state.phase === 'failed' && state.error ? (
            <div
              role="alert"
              className="mt-6 w-full max-w-md rounded-xl border border-bad/30 bg-bad-soft px-4 py-3.5 text-sm text-ink"
            >
              <p className="font-semibold">The call ended</p>
              <p className="mt-1 text-ink-muted">{state.error.message}</p>
              <div className="mt-3 flex flex-wrap gap-2">
                <button type="button" className="btn-primary" onClick={onRetry}>
                  <RotateCcw className="size-4" aria-hidden="true" />
                  Call again
                </button>
                <button type="button" className="btn-secondary" onClick={onClose}>
                  Back to the chat
                </button>
              </div>
            </div>
          ) : state.error ? (
            <div
              role="alert"
              className="mt-6 flex w-full max-w-md items-start gap-3 rounded-xl border border-warn/30 bg-warn-soft px-4 py-3 text-sm text-ink"
            >
              <p className="min-w-0 flex-1">{state.error.message}</p>
              <button type="button" className="link shrink-0" onClick={call.dismissError}>
                Dismiss
              </button>
            </div>
          ) : null}

          <Transcript state={state} avatarName={avatar.name} />
        </div>
      </div>

      <footer className="shrink-0 border-t border-line bg-surface px-4 pt-3 pb-[max(0.75rem,env(safe-area-inset-bottom))]">
        <div className="mx-auto flex max-w-xl flex-col items-center gap-3">
          {over ? null : (
            <ModeSwitch
              mode={state.mode}
              disabled={over}
              onChange={(mode) => {
                try {
                  localStorage.setItem(MODE_KEY, mode);
                } catch {
                  // Private mode: the choice lasts this call.
                }
                call.setMode(mode);
              }}
            />
          )}
          <div className="flex w-full items-center justify-center gap-4 sm:gap-6">
            <button
              type="button"
              className={clsx(
                'inline-flex size-14 shrink-0 items-center justify-center rounded-full border transition-colors disabled:opacity-50',
                state.muted
                  ? 'border-transparent bg-ink text-canvas'
                  : 'border-line bg-surface-sunken text-ink hover:bg-line',
              )}
              aria-pressed={state.muted}
              aria-label={state.muted ? 'Unmute microphone' : 'Mute microphone'}
              title={state.muted ? 'Unmute' : 'Mute'}
              disabled={over}
              onClick={() => call.setMuted(!state.muted)}
            >
              {state.muted ? (
                <MicOff className="size-6" aria-hidden="true" />
              ) : (
                <Mic className="size-6" aria-hidden="true" />
              )}
            </button>
            {state.mode === 'push_to_talk' ? (
              <button
                type="button"
                className={clsx(
                  'inline-flex h-16 min-w-40 touch-none items-center justify-center gap-2 rounded-full px-6 font-semibold transition-colors select-none disabled:opacity-50',
                  state.talking
                    ? 'bg-ok text-white dark:text-canvas'
                    : 'bg-accent text-accent-ink hover:bg-accent-hover',
                )}
                aria-pressed={state.talking}
                aria-keyshortcuts="Space"
                disabled={over || state.muted || state.phase === 'connecting'}
                onPointerDown={(event) => {
                  event.currentTarget.setPointerCapture?.(event.pointerId);
                  call.talk(true);
                }}
                onPointerUp={() => call.talk(false)}
                onPointerCancel={() => call.talk(false)}
                onKeyDown={(event) => {
                  if (event.key === ' ' || event.key === 'Enter') event.preventDefault();
                }}
                onContextMenu={(event) => event.preventDefault()}
              >
                <Hand className="size-5" aria-hidden="true" />
                {state.talking ? 'Listening…' : 'Hold to talk'}
              </button>
            ) : state.phase === 'speaking' || state.phase === 'thinking' ? (
              <button
                type="button"
                className="inline-flex h-16 min-w-40 items-center justify-center gap-2 rounded-full border border-line bg-surface-sunken px-6 font-semibold text-ink hover:bg-line"
                onClick={call.cancelReply}
              >
                <Square className="size-4" aria-hidden="true" />
                Stop the reply
              </button>
            ) : over ? null : (
              <MicMeter
                level={call.micLevel}
                muted={state.muted}
                active={!over && state.phase !== 'connecting'}
              />
            )}
            <button
              type="button"
              className="inline-flex size-14 shrink-0 items-center justify-center rounded-full bg-bad text-white shadow-pop transition-colors hover:bg-bad/90 dark:text-canvas"
              aria-label="End call"
              title="End call"
              onClick={end}
            >
              <PhoneOff className="size-6" aria-hidden="true" />
            </button>
          </div>
          <p
            className={clsx(
              'text-center text-xs text-ink-subtle max-sm:hidden [@media(max-height:600px)]:hidden',
              over && 'invisible',
            )}
          >
            {state.mode === 'push_to_talk'
              ? 'Hold Space to talk · '
              : 'Talk any time, even over the reply · '}
            Esc ends the call
          </p>
        </div>
      </footer>
    </>
  );
}

function statusText(state: CallState, name: string): string {
  switch (state.phase) {
    case 'connecting':
      return 'Connecting…';
    case 'listening':
      if (state.muted) return 'Your microphone is muted';
      return state.mode === 'push_to_talk' ? 'Hold the button or Space to talk' : 'Listening — just talk';
    case 'hearing':
      return 'Hearing you…';
    case 'thinking':
      return `${name} is thinking…`;
    case 'speaking':
      // Short enough for a phone's header line; the title already names who speaks.
      return state.mode === 'push_to_talk' ? 'Speaking — hold to interrupt' : 'Speaking — talk to interrupt';
    case 'ended':
      return 'Call ended';
    case 'failed':
      return 'The call ended with an error';
  }
}

const PHASE_LABEL: Record<CallPhase, string> = {
  connecting: 'Connecting',
  listening: 'Listening',
  hearing: 'Hearing you',
  thinking: 'Thinking',
  speaking: 'Speaking',
  ended: 'Ended',
  failed: 'Ended',
};

function PhaseChip({ phase, muted }: { phase: CallPhase; muted: boolean }) {
  const label = muted && (phase === 'listening' || phase === 'hearing') ? 'Muted' : PHASE_LABEL[phase];
  return (
    <p
      data-testid="call-phase"
      data-phase={phase}
      className={clsx(
        'mt-8 inline-flex items-center gap-2 rounded-full px-3 py-1 text-sm font-medium',
        phase === 'hearing'
          ? 'bg-ok-soft text-ok'
          : phase === 'speaking'
            ? 'bg-accent-soft text-accent-soft-ink'
            : phase === 'failed'
              ? 'bg-bad-soft text-bad'
              : 'bg-surface-sunken text-ink-muted',
      )}
    >
      <span
        aria-hidden="true"
        className={clsx(
          'size-2 rounded-full',
          phase === 'hearing'
            ? 'bg-ok'
            : phase === 'speaking'
              ? 'bg-accent'
              : phase === 'failed'
                ? 'bg-bad'
                : 'bg-ink-subtle',
          (phase === 'connecting' || phase === 'thinking') && 'animate-pulse',
        )}
      />
      {label}
    </p>
  );
}

function LatencyReadout({ state }: { state: CallState }) {
  const { total, parts } = describeTiming(state.timing);
  if (total === null) return null;
  return (
    <p
      className="inline-flex shrink-0 items-center gap-1.5 rounded-full bg-surface-sunken px-2.5 py-1 text-xs font-medium text-ink-muted tabular-nums"
      title={`From the end of your speech: ${parts.join(', ')}`}
      data-testid="call-latency"
    >
      <Timer className="size-3.5" aria-hidden="true" />
      <span className="sr-only">Last reply started after</span>
      {total} ms
    </p>
  );
}

/** What has been said in this call, with the live partial transcript and the reply as it streams. */
function Transcript({ state, avatarName }: { state: CallState; avatarName: string }) {
  const end = useRef<HTMLDivElement>(null);
  const last = state.turns.at(-1);
  // biome-ignore lint/correctness/useExhaustiveDependencies: follow new words as they arrive
  useEffect(() => {
    end.current?.scrollIntoView({ block: 'nearest' });
  }, [state.turns.length, state.partial, state.reply?.text]);
  const replyShown = !!state.reply?.text && last?.id !== state.reply?.messageId;
  if (state.turns.length === 0 && !state.partial && !replyShown)
    return state.phase === 'failed' ? null : (
      <p className="mt-8 max-w-sm text-center text-sm text-ink-muted">
        {state.phase === 'connecting'
          ? 'Getting the microphone and the line ready…'
          : `Say hello — what you say appears here, and ${avatarName} answers aloud.`}
      </p>
    );
  return (
    // Focusable, so a keyboard can scroll it (it is the call screen's one scrolling part).
    <section
      aria-label="Call transcript"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region needs focus to scroll by keyboard
      tabIndex={0}
      className="mt-3 flex min-h-0 w-full max-w-xl flex-1 flex-col gap-3 overflow-y-auto rounded-lg pt-4 pb-4 [@media(max-height:600px)]:mt-0 text-[15px] [mask-image:linear-gradient(to_bottom,transparent,#000_1rem)] focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
    >
      {state.turns.map((turn) => (
        <Line key={turn.id} who={turn.role === 'user' ? 'You' : avatarName} mine={turn.role === 'user'}>
          {turn.text}
          {turn.interrupted ? <span className="ml-1 text-xs text-ink-subtle">(interrupted)</span> : null}
        </Line>
      ))}
      {replyShown ? (
        <Line who={avatarName} mine={false} live>
          {state.reply!.text}
        </Line>
      ) : null}
      {state.partial || state.heard ? (
        <Line who="You" mine live>
          <LiveWords heard={state.heard} partial={state.partial} />
        </Line>
      ) : null}
      <div ref={end} />
    </section>
  );
}

/**
 * The person's words as they speak: the recogniser's final words (segments sent at short pauses)
 * in plain ink, the rest — its current guess, which may still change — muted.
 */
export function LiveWords({ heard, partial }: { heard: string; partial: string }) {
  const merged = partial.startsWith(heard) ? partial : heard;
  const guess = merged.slice(heard.length).trim();
  return (
    <>
      {heard ? <span data-testid="heard-transcript">{heard}</span> : null}
      {heard && guess ? ' ' : null}
      {guess ? (
        <span className="text-ink-muted italic" data-testid="partial-transcript">
          {guess}
        </span>
      ) : null}
    </>
  );
}

function Line({
  who,
  mine,
  live,
  children,
}: {
  who: string;
  mine: boolean;
  live?: boolean;
  children: React.ReactNode;
}) {
  return (
    <div
      className={clsx('flex flex-col gap-0.5', mine ? 'items-end' : 'items-start')}
      data-live={live || undefined}
    >
      <span className="px-1 text-xs font-medium text-ink-subtle">{who}</span>
      <p
        className={clsx(
          'max-w-[85%] rounded-2xl px-4 py-2 break-words whitespace-pre-wrap',
          mine
            ? 'rounded-br-md bg-accent-soft text-ink'
            : 'rounded-bl-md border border-line bg-surface text-ink',
        )}
      >
        {children}
      </p>
    </div>
  );
}

function ModeSwitch({
  mode,
  disabled,
  onChange,
}: {
  mode: CallMode;
  disabled: boolean;
  onChange: (mode: CallMode) => void;
}) {
  const options: { value: CallMode; label: string }[] = [
    { value: 'hands_free', label: 'Hands-free' },
    { value: 'push_to_talk', label: 'Push to talk' },
  ];
  return (
    <div
      role="radiogroup"
      aria-label="How to talk"
      className="inline-flex rounded-lg bg-surface-sunken p-0.5"
    >
      {options.map((option) => (
        // biome-ignore lint/a11y/useSemanticElements: a segmented control of two buttons
        <button
          key={option.value}
          type="button"
          role="radio"
          aria-checked={mode === option.value}
          disabled={disabled}
          className={clsx(
            'rounded-md px-3 py-1 text-sm font-medium transition-colors',
            mode === option.value ? 'bg-surface text-ink shadow-card' : 'text-ink-muted hover:text-ink',
          )}
          onClick={() => onChange(option.value)}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}

/** The mic's level as five bars, so the person sees they are heard. */
function MicMeter({ level, muted, active }: { level: () => number; muted: boolean; active: boolean }) {
  const bars = useRef<HTMLSpanElement[]>([]);
  useEffect(() => {
    let frame = 0;
    const tick = () => {
      const value = muted || !active ? 0 : Math.min(1, level() * 8);
      bars.current.forEach((bar, i) => {
        const weight = [0.5, 0.8, 1, 0.8, 0.5][i] ?? 1;
        bar.style.transform = `scaleY(${0.15 + value * weight * 0.85})`;
      });
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [level, muted, active]);
  return (
    <div
      className="flex h-16 min-w-40 items-center justify-center gap-1.5"
      aria-hidden="true"
      data-testid="mic-meter"
    >
      {[0, 1, 2, 3, 4].map((i) => (
        <span
          key={i}
          ref={(el) => {
            if (el) bars.current[i] = el;
          }}
          className={clsx('h-10 w-2 origin-center rounded-full', muted ? 'bg-line-strong' : 'bg-ok')}
          style={{ transform: 'scaleY(0.15)' }}
        />
      ))}
    </div>
  );
}

/** Space held down talks in push-to-talk mode (not while typing in a field). */
function usePushToTalkKey(call: VoiceCall, enabled: boolean) {
  const { talk } = call;
  useEffect(() => {
    if (!enabled) return;
    const typing = (target: EventTarget | null) =>
      target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    const down = (event: KeyboardEvent) => {
      if (event.code !== 'Space' || typing(event.target)) return;
      event.preventDefault();
      if (!event.repeat) talk(true);
    };
    const up = (event: KeyboardEvent) => {
      if (event.code !== 'Space' || typing(event.target)) return;
      event.preventDefault();
      talk(false);
    };
    // Switching away while holding Space never delivers the keyup.
    const release = () => talk(false);
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', release);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', release);
    };
  }, [talk, enabled]);
}

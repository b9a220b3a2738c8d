import { LuminaApiError } from '@lumina/sdk';
import { useMutation } from '@tanstack/react-query';
import { ArrowRight, Sparkles } from 'lucide-react';
import { Link } from 'react-router';
import { friendlyMessage, serverErrorRequestId } from '../../lib/api-errors';
import { type AvatarStyle, avatarErrorMessage, poleText, STYLE_SLIDERS } from '../../lib/avatars';
import { useLuminaClient } from '../../lib/lumina-client';
import { Dialog, DialogActions } from '../dialog';
import { FormAlert } from '../form-alert';
import { Spinner } from '../submit-button';

export interface Suggestion {
  traits: string[];
  style: Partial<Omit<AvatarStyle, 'custom'>>;
  greeting: string;
}

/** Asks the person's model for traits, sliders and a greeting that fit a backstory. */
export function useSuggest() {
  const lumina = useLuminaClient();
  return useMutation({
    mutationFn: async (body: { name?: string; backstory: string }): Promise<Suggestion> => {
      const { data } = await lumina.POST('/api/avatars/suggest', { body });
      if (!data) throw new Error('The server answered without suggestions');
      return data.suggestion;
    },
  });
}

const SETUP_CODES = new Set(['no_model_configured', 'local_only', 'provider_auth_failed', 'model_not_found']);

/** Why suggestions failed, with the way to Settings → Models when that is the fix. */
export function SuggestError({ error }: { error: unknown }) {
  const message = avatarErrorMessage(error) ?? friendlyMessage(error);
  const needsSetup = error instanceof LuminaApiError && SETUP_CODES.has(error.code);
  return (
    <FormAlert requestId={serverErrorRequestId(error)}>
      {message}
      {needsSetup ? (
        <>
          {' '}
          <Link to="/settings/models" className="link inline-flex items-center gap-1">
            Open Settings → Models
            <ArrowRight className="size-3.5" aria-hidden="true" />
          </Link>
        </>
      ) : null}
    </FormAlert>
  );
}

/** The "Suggest from backstory" button: says why it is off, and shows it is working. */
export function SuggestButton({
  pending,
  disabled,
  onClick,
}: {
  pending: boolean;
  disabled: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      className="btn-secondary"
      onClick={onClick}
      disabled={pending || disabled}
      aria-busy={pending || undefined}
    >
      {pending ? <Spinner /> : <Sparkles className="size-4 text-accent-soft-ink" aria-hidden="true" />}
      {pending ? 'Thinking…' : 'Suggest from backstory'}
    </button>
  );
}

/** What the model suggested, beside what the avatar has now; the person keeps it or not. */
export function SuggestReviewDialog({
  suggestion,
  current,
  onAccept,
  onDiscard,
}: {
  suggestion: Suggestion | null;
  current: { traits: string[]; style: AvatarStyle; greeting: string };
  onAccept: () => void;
  onDiscard: () => void;
}) {
  return (
    <Dialog
      open={suggestion !== null}
      onOpenChange={(open) => (open ? undefined : onDiscard())}
      title="Suggestions from the backstory"
      description="Use them to replace the traits, the six style sliders and the greeting. Nothing is saved until you save the avatar."
      size="md"
    >
      {suggestion ? (
        <div className="flex flex-col gap-5">
          <div>
            <h3 className="text-sm font-medium text-ink">Traits</h3>
            <ul className="mt-2 flex flex-wrap gap-1.5" aria-label="Suggested traits">
              {suggestion.traits.map((trait) => (
                <li
                  key={trait}
                  className="rounded-md bg-accent-soft px-2 py-0.5 text-sm text-accent-soft-ink"
                >
                  {trait}
                </li>
              ))}
            </ul>
          </div>
          <div>
            <h3 className="text-sm font-medium text-ink">Communication style</h3>
            <dl className="mt-2 grid grid-cols-1 gap-x-6 gap-y-1.5 text-sm sm:grid-cols-2">
              {STYLE_SLIDERS.map(({ name, label, low, high }) => {
                const next = suggestion.style[name];
                const now = current.style[name];
                return (
                  <div key={name} className="flex items-baseline justify-between gap-3">
                    <dt className="text-ink-muted">{label}</dt>
                    <dd className="text-right text-ink tabular-nums">
                      {next === undefined || next === now ? (
                        <span className="text-ink-muted">{now} (unchanged)</span>
                      ) : (
                        <>
                          <span className="text-ink-subtle line-through">{now}</span> → {next}{' '}
                          <span className="text-ink-muted">· {poleText(next, low, high)}</span>
                        </>
                      )}
                    </dd>
                  </div>
                );
              })}
            </dl>
          </div>
          <div>
            <h3 className="text-sm font-medium text-ink">Greeting</h3>
            <p className="mt-2 rounded-lg border border-line bg-surface-sunken/50 px-3 py-2 text-sm whitespace-pre-wrap text-ink">
              {suggestion.greeting}
            </p>
          </div>
        </div>
      ) : null}
      <DialogActions>
        <button type="button" className="btn-secondary" onClick={onDiscard}>
          Discard
        </button>
        <button type="button" className="btn-primary" onClick={onAccept}>
          Use these
        </button>
      </DialogActions>
    </Dialog>
  );
}

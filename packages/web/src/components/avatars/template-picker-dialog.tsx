import { ArrowRight, RotateCcw } from 'lucide-react';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { formErrorsFrom } from '../../lib/api-errors';
import { type AvatarTemplate, useAvatarTemplates, useCreateAvatar } from '../../lib/avatars';
import { Dialog } from '../dialog';
import { FormAlert } from '../form-alert';
import { Skeleton } from '../skeleton';
import { Spinner } from '../submit-button';
import { AvatarPicture } from './avatar-picture';

/** "Start from a template": the built-in personalities with pictures; picking one creates a copy. */
export function TemplatePickerDialog({
  open,
  onOpenChange,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const templates = useAvatarTemplates(open);
  const create = useCreateAvatar();
  const navigate = useNavigate();
  const [picked, setPicked] = useState<string | null>(null);
  const error = create.error ? formErrorsFrom(create.error, []) : null;

  function choose(template: AvatarTemplate) {
    setPicked(template.id);
    create.mutate(
      { templateId: template.id },
      {
        onSuccess: (avatar) => {
          onOpenChange(false);
          void navigate(`/avatars/${avatar.id}`, { state: { created: true } });
        },
      },
    );
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (!next) create.reset();
        onOpenChange(next);
      }}
      title="Start from a template"
      description="Pick a personality to copy. You can change everything about it afterwards."
      size="md"
      locked={create.isPending}
    >
      {error?.form ? (
        <FormAlert requestId={error.requestId} className="mb-3">
          {error.form}
        </FormAlert>
      ) : null}
      {templates.isError ? (
        <div className="flex flex-col items-start gap-3">
          <FormAlert>The templates couldn’t be loaded. Check your connection and try again.</FormAlert>
          <button type="button" className="btn-secondary" onClick={() => templates.refetch()}>
            <RotateCcw className="size-4" aria-hidden="true" />
            Try again
          </button>
        </div>
      ) : (
        <ul className="-mx-1 flex flex-col gap-2" aria-busy={templates.isPending || undefined}>
          {templates.data
            ? templates.data.map((template) => {
                const pending = create.isPending && picked === template.id;
                return (
                  <li key={template.id}>
                    <button
                      type="button"
                      onClick={() => choose(template)}
                      disabled={create.isPending}
                      aria-busy={pending || undefined}
                      className="group flex w-full items-start gap-3 rounded-xl border border-line bg-surface p-3 text-left transition-colors hover:border-accent/50 hover:bg-accent-soft/40 disabled:cursor-wait disabled:opacity-70"
                    >
                      <AvatarPicture src={template.imageUrl} className="size-14" />
                      <span className="min-w-0 flex-1">
                        <span className="flex items-center gap-2">
                          <span className="font-semibold text-ink">{template.name}</span>
                          {template.nickname ? (
                            <span className="truncate text-sm text-ink-muted">“{template.nickname}”</span>
                          ) : null}
                        </span>
                        <span className="mt-0.5 block text-sm text-ink-muted">{template.description}</span>
                        {template.traits.length > 0 ? (
                          <span className="mt-2 flex flex-wrap gap-1">
                            {template.traits.slice(0, 5).map((trait) => (
                              <span
                                key={trait}
                                className="rounded-md bg-surface-sunken px-1.5 py-0.5 text-xs text-ink-muted"
                              >
                                {trait}
                              </span>
                            ))}
                          </span>
                        ) : null}
                      </span>
                      <span className="mt-1 flex size-7 shrink-0 items-center justify-center text-ink-subtle group-hover:text-accent-soft-ink">
                        {pending ? <Spinner /> : <ArrowRight className="size-4" aria-hidden="true" />}
                      </span>
                      {pending ? <span className="sr-only">Creating…</span> : null}
                    </button>
                  </li>
                );
              })
            : [0, 1, 2, 3].map((i) => (
                <li key={i} className="flex items-start gap-3 rounded-xl border border-line p-3">
                  <Skeleton className="size-14 rounded-xl" />
                  <span className="flex-1">
                    <Skeleton className="h-5 w-32" />
                    <Skeleton className="mt-2 h-4 w-full" />
                  </span>
                </li>
              ))}
        </ul>
      )}
    </Dialog>
  );
}

import { useEffect, useState } from 'react';
import { friendlyMessage } from '../../lib/api-errors';
import type { Avatar } from '../../lib/avatars';
import {
  generationErrorMessage,
  IMAGE_BACKEND_LABELS,
  type ImageGenerationStatus,
  useGeneratePicture,
} from '../../lib/image-generation';
import { Dialog, DialogActions } from '../dialog';
import { FormAlert } from '../form-alert';
import { ProgressBar } from '../progress-bar';
import { SubmitButton } from '../submit-button';
import { TextAreaField } from './fields';

/**
 * "Generate picture": an optional description of the picture (else the avatar's own), then a
 * progress bar with the seconds waited while the image service draws; Cancel stops it.
 */
export function GeneratePictureDialog({
  avatar,
  status,
  open,
  onOpenChange,
  onGenerated,
}: {
  avatar: Avatar;
  status: ImageGenerationStatus;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onGenerated: () => void;
}) {
  const generate = useGeneratePicture(avatar.id);
  const [prompt, setPrompt] = useState('');
  const seconds = useElapsedSeconds(generate.isPending);

  function close() {
    if (generate.isPending) generate.cancel();
    generate.reset();
    onOpenChange(false);
  }

  const error = generate.error
    ? (generationErrorMessage(generate.error) ?? friendlyMessage(generate.error))
    : null;
  const service = status.backend ? IMAGE_BACKEND_LABELS[status.backend] : 'the image service';
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => (next ? onOpenChange(true) : close())}
      title="Generate a picture"
      description={`Lumina asks ${service} on your server to draw ${avatar.name}. It replaces the current picture.`}
      size="md"
      closeOnOutsideClick={!generate.isPending}
    >
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          event.stopPropagation(); // not the avatar form's submit
          generate.mutate(prompt, {
            onSuccess: () => {
              setPrompt('');
              onOpenChange(false);
              onGenerated();
            },
          });
        }}
        className="flex flex-col gap-4"
      >
        <TextAreaField
          label="What should it show? (optional)"
          rows={4}
          maxLength={2000}
          value={prompt}
          disabled={generate.isPending}
          onChange={(event) => setPrompt(event.target.value)}
          placeholder={`e.g. A portrait of ${avatar.name} in watercolour, warm light`}
          hint="Leave it empty to draw from the saved description and traits."
        />
        {generate.isPending ? (
          <div className="flex flex-col gap-2" aria-live="polite">
            <ProgressBar percent={null} label="Generating the picture" />
            <p className="text-[13px] text-ink-muted tabular-nums">
              Drawing… {seconds} s. This usually takes 10–60 seconds.
            </p>
          </div>
        ) : null}
        {error ? <FormAlert>{error}</FormAlert> : null}
        <DialogActions>
          <button type="button" className="btn-secondary" onClick={close}>
            Cancel
          </button>
          <SubmitButton pending={generate.isPending} pendingLabel="Generating…">
            Generate
          </SubmitButton>
        </DialogActions>
      </form>
    </Dialog>
  );
}

function useElapsedSeconds(running: boolean): number {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    if (!running) return;
    setSeconds(0);
    const started = Date.now();
    const timer = setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return seconds;
}

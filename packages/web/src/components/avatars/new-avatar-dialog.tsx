import { useState } from 'react';
import { useNavigate } from 'react-router';
import { formErrorsFrom } from '../../lib/api-errors';
import { useCreateAvatar } from '../../lib/avatars';
import { Dialog, DialogActions } from '../dialog';
import { FormAlert } from '../form-alert';
import { TextField } from '../form-field';
import { SubmitButton } from '../submit-button';

/** "Blank avatar": just a name, then the editor for everything else. */
export function NewAvatarDialog({
  open,
  onOpenChange,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const create = useCreateAvatar();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();
  const errors = create.error ? formErrorsFrom(create.error, ['name'] as const) : null;

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (!next) {
          create.reset();
          setName('');
          setNameError(undefined);
        }
        onOpenChange(next);
      }}
      title="New avatar"
      description="Give it a name. You’ll shape its personality, voice and style next."
      locked={create.isPending}
    >
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (!name.trim()) {
            setNameError('Give your avatar a name.');
            return;
          }
          create.mutate(
            { name: name.trim() },
            {
              onSuccess: (avatar) => {
                onOpenChange(false);
                setName('');
                void navigate(`/avatars/${avatar.id}`, { state: { created: true } });
              },
            },
          );
        }}
      >
        <TextField
          label="Name"
          required
          autoFocus
          autoComplete="off"
          maxLength={100}
          placeholder="e.g. Nova"
          value={name}
          onChange={(event) => {
            setName(event.target.value);
            setNameError(undefined);
          }}
          error={nameError ?? errors?.fields.name}
        />
        {errors?.form ? (
          <FormAlert requestId={errors.requestId} className="mt-4">
            {errors.form}
          </FormAlert>
        ) : null}
        <DialogActions>
          <button
            type="button"
            className="btn-secondary"
            onClick={() => onOpenChange(false)}
            disabled={create.isPending}
          >
            Cancel
          </button>
          <SubmitButton pending={create.isPending} pendingLabel="Creating…">
            Create avatar
          </SubmitButton>
        </DialogActions>
      </form>
    </Dialog>
  );
}

import type { ReactNode } from 'react';
import { Dialog, DialogActions } from './dialog';
import { FormAlert } from './form-alert';
import { SubmitButton } from './submit-button';

interface ConfirmDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  pendingLabel?: string;
  pending: boolean;
  /** A friendly message when the action failed; the dialog stays open to retry. */
  error?: string | null | undefined;
  requestId?: string | undefined;
  tone?: 'danger' | 'primary';
  onConfirm: () => void;
}

/** "Are you sure?" for actions that cannot be undone, with the action's error inside. */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  pendingLabel,
  pending,
  error,
  requestId,
  tone = 'danger',
  onConfirm,
}: ConfirmDialogProps) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={title} description={description} locked={pending}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm();
        }}
      >
        {error ? (
          <FormAlert requestId={requestId} className="mb-2">
            {error}
          </FormAlert>
        ) : null}
        <DialogActions>
          <button
            type="button"
            className="btn-secondary"
            onClick={() => onOpenChange(false)}
            disabled={pending}
          >
            Cancel
          </button>
          <SubmitButton
            pending={pending}
            pendingLabel={pendingLabel}
            variant={tone === 'danger' ? 'danger' : 'primary'}
          >
            {confirmLabel}
          </SubmitButton>
        </DialogActions>
      </form>
    </Dialog>
  );
}

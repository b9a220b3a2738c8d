import { useEffect, useId, useState } from 'react';
import { friendlyMessage, serverErrorRequestId } from '../../lib/api-errors';
import { type Conversation, displayTitle, usePatchConversation } from '../../lib/conversations';
import { ChipInput } from '../avatars/fields';
import { Dialog, DialogActions } from '../dialog';
import { FormAlert } from '../form-alert';
import { inputClass } from '../form-field';
import { SubmitButton } from '../submit-button';

/** Rename: the new title replaces the automatic one for good. */
export function RenameDialog({
  conversation,
  onClose,
}: {
  conversation: Conversation | null;
  onClose: () => void;
}) {
  const patch = usePatchConversation();
  const [title, setTitle] = useState('');
  const id = useId();
  useEffect(() => {
    if (conversation) {
      setTitle(conversation.title);
      patch.reset();
    }
  }, [conversation, patch.reset]);
  return (
    <Dialog
      open={conversation !== null}
      onOpenChange={(open) => !open && onClose()}
      title="Rename conversation"
      locked={patch.isPending}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!conversation || !title.trim()) return;
          patch.mutate({ id: conversation.id, patch: { title: title.trim() } }, { onSuccess: onClose });
        }}
      >
        <label htmlFor={id} className="mb-1.5 block text-sm font-medium text-ink">
          Title
        </label>
        <input
          id={id}
          className={inputClass}
          value={title}
          maxLength={200}
          autoFocus
          onChange={(event) => setTitle(event.target.value)}
        />
        {patch.error ? (
          <FormAlert className="mt-3" requestId={serverErrorRequestId(patch.error)}>
            {friendlyMessage(patch.error)}
          </FormAlert>
        ) : null}
        <DialogActions>
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <SubmitButton pending={patch.isPending} pendingLabel="Saving…" disabled={!title.trim()}>
            Rename
          </SubmitButton>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/** Tags: short words to group and filter conversations by. */
export function TagsDialog({
  conversation,
  onClose,
}: {
  conversation: Conversation | null;
  onClose: () => void;
}) {
  const patch = usePatchConversation();
  const [tags, setTags] = useState<string[]>([]);
  useEffect(() => {
    if (conversation) {
      setTags(conversation.tags);
      patch.reset();
    }
  }, [conversation, patch.reset]);
  return (
    <Dialog
      open={conversation !== null}
      onOpenChange={(open) => !open && onClose()}
      title="Tags"
      description={conversation ? `For “${displayTitle(conversation)}”.` : undefined}
      locked={patch.isPending}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!conversation) return;
          patch.mutate({ id: conversation.id, patch: { tags } }, { onSuccess: onClose });
        }}
      >
        <ChipInput
          label="Tags"
          values={tags}
          onChange={setTags}
          max={20}
          maxLength={40}
          placeholder="work, ideas…"
        />
        {patch.error ? (
          <FormAlert className="mt-3" requestId={serverErrorRequestId(patch.error)}>
            {friendlyMessage(patch.error)}
          </FormAlert>
        ) : null}
        <DialogActions>
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <SubmitButton pending={patch.isPending} pendingLabel="Saving…">
            Save tags
          </SubmitButton>
        </DialogActions>
      </form>
    </Dialog>
  );
}

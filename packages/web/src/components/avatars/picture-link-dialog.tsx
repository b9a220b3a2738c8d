import { useRef, useState } from 'react';
import { friendlyMessage, serverErrorRequestId } from '../../lib/api-errors';
import { type Avatar, pictureLinkErrorMessage } from '../../lib/avatars';
import { pictureLinkProblem, useImportPictureFromLink } from '../../lib/picture-link';
import { Dialog, DialogActions } from '../dialog';
import { FormAlert } from '../form-alert';
import { TextField } from '../form-field';
import { SubmitButton } from '../submit-button';

/**
 * "From a link": the address of a picture on the web, which Lumina's server downloads and stores
 * like an upload. The link is checked here first (http/https, complete); what the server's
 * download ran into is said in plain words. Cancel stops a download under way.
 */
export function PictureLinkDialog({
  avatar,
  open,
  onOpenChange,
  onImported,
}: {
  avatar: Avatar;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onImported: () => void;
}) {
  const importLink = useImportPictureFromLink(avatar.id);
  const [url, setUrl] = useState('');
  const [problem, setProblem] = useState<string>();
  const input = useRef<HTMLInputElement>(null);

  function close() {
    if (importLink.isPending) importLink.cancel();
    importLink.reset();
    setProblem(undefined);
    onOpenChange(false);
  }

  const known = pictureLinkErrorMessage(importLink.error);
  const error = known ?? (importLink.error ? friendlyMessage(importLink.error) : null);
  // A reference helps with a fault of our server, not with another site's 502.
  const requestId = known ? undefined : serverErrorRequestId(importLink.error);
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => (next ? onOpenChange(true) : close())}
      title="Picture from a link"
      description={`Paste the address of a PNG, JPEG or WebP picture up to 5 MB. Your Lumina server downloads it, and it replaces ${avatar.name}’s current picture.`}
      closeOnOutsideClick={!importLink.isPending}
      initialFocus={input}
    >
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          event.stopPropagation(); // not the avatar form's submit
          const found = pictureLinkProblem(url);
          setProblem(found);
          if (found) {
            input.current?.focus();
            return;
          }
          importLink.mutate(url, {
            onSuccess: () => {
              setUrl('');
              onOpenChange(false);
              onImported();
            },
          });
        }}
        className="flex flex-col gap-4"
      >
        <TextField
          ref={input}
          label="Picture link"
          type="url"
          inputMode="url"
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          required
          placeholder="https://example.org/picture.png"
          value={url}
          readOnly={importLink.isPending}
          onChange={(event) => {
            setUrl(event.target.value);
            setProblem(undefined);
            if (importLink.isError) importLink.reset();
          }}
          error={problem}
          hint="The address of the picture itself (“Copy image address”), not of the page it’s on."
        />
        <p className="sr-only" role="status">
          {importLink.isPending ? 'Downloading the picture…' : ''}
        </p>
        {error ? <FormAlert requestId={requestId}>{error}</FormAlert> : null}
        <DialogActions>
          <button type="button" className="btn-secondary" onClick={close}>
            Cancel
          </button>
          <SubmitButton pending={importLink.isPending} pendingLabel="Importing…">
            Import
          </SubmitButton>
        </DialogActions>
      </form>
    </Dialog>
  );
}

import { useMutation } from '@tanstack/react-query';
import clsx from 'clsx';
import { ImageUp, Link2, RotateCcw, WandSparkles } from 'lucide-react';
import { useEffect, useId, useRef, useState } from 'react';
import { friendlyMessage } from '../../lib/api-errors';
import {
  type Avatar,
  avatarErrorMessage,
  checkImageFile,
  IMAGE_TYPES,
  useAvatarCache,
} from '../../lib/avatars';
import { useImageGeneration } from '../../lib/image-generation';
import { useLuminaClient } from '../../lib/lumina-client';
import { FormAlert } from '../form-alert';
import { Spinner } from '../submit-button';
import { AvatarPicture } from './avatar-picture';
import { GeneratePictureDialog } from './generate-picture-dialog';
import { PictureLinkDialog } from './picture-link-dialog';

/** Whether the picture is an upload (its version is a file id) rather than the generated face. */
export function hasUploadedPicture(avatar: Pick<Avatar, 'imageUrl'>): boolean {
  const version = new URL(avatar.imageUrl, 'http://x').searchParams.get('v') ?? '';
  return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(version);
}

/**
 * The avatar's picture: click or drop a PNG, JPEG or WebP (up to 5 MB) to upload it at once,
 * with a preview while it uploads; "From a link" has the server download one; "Generate picture" asks the server's image service (shown
 * only when one is set up); "Use generated face" goes back to the drawn one.
 */
export function PictureField({ avatar, readOnly }: { avatar: Avatar; readOnly: boolean }) {
  const lumina = useLuminaClient();
  const cache = useAvatarCache();
  const input = useRef<HTMLInputElement>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const [generating, setGenerating] = useState(false);
  const [generated, setGenerated] = useState(false);
  const [linking, setLinking] = useState(false);
  const [linked, setLinked] = useState(false);
  const generation = useImageGeneration();
  const hintId = useId();

  useEffect(() => () => (preview ? URL.revokeObjectURL(preview) : undefined), [preview]);

  const upload = useMutation({
    mutationFn: async (file: File): Promise<Avatar> => {
      const { data } = await lumina.PUT('/api/avatars/{id}/image', {
        params: { path: { id: avatar.id } },
        body: file as never,
        bodySerializer: (body: unknown) => body as BodyInit,
        headers: { 'content-type': file.type },
      });
      if (!data) throw new Error('The server answered without the avatar');
      return data.avatar;
    },
    onSuccess: (updated) => cache.put(updated),
    onSettled: () => setPreview(null),
  });
  const reset = useMutation({
    mutationFn: async (): Promise<Avatar> => {
      const { data } = await lumina.DELETE('/api/avatars/{id}/image', {
        params: { path: { id: avatar.id } },
      });
      if (!data) throw new Error('The server answered without the avatar');
      return data.avatar;
    },
    onSuccess: (updated) => cache.put(updated),
  });

  function choose(file: File | undefined) {
    if (!file) return;
    upload.reset();
    reset.reset();
    const problem = checkImageFile(file);
    setLocalError(problem);
    if (problem) return;
    setPreview(URL.createObjectURL(file));
    upload.mutate(file);
  }

  const failure = upload.error ?? reset.error;
  const message = localError ?? (failure ? (avatarErrorMessage(failure) ?? friendlyMessage(failure)) : null);
  const busy = upload.isPending || reset.isPending;

  if (readOnly)
    return <AvatarPicture src={avatar.imageUrl} alt={`Picture of ${avatar.name}`} className="size-28" />;

  return (
    <div className="flex flex-col gap-3">
      <div className="flex items-center gap-4">
        <button
          type="button"
          onClick={() => input.current?.click()}
          onDragOver={(event) => {
            event.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(event) => {
            event.preventDefault();
            setOver(false);
            choose(event.dataTransfer.files[0]);
          }}
          disabled={busy}
          aria-describedby={hintId}
          className={clsx(
            'group relative size-28 shrink-0 overflow-hidden rounded-2xl border-2 border-dashed transition-colors',
            over ? 'border-accent' : 'border-transparent hover:border-line-strong',
          )}
        >
          <span className="sr-only">Change picture</span>
          <AvatarPicture src={preview ?? avatar.imageUrl} className="size-full rounded-xl" />
          <span
            className={clsx(
              'absolute inset-0 flex flex-col items-center justify-center gap-1 bg-black/50 text-xs font-medium text-white transition-opacity',
              busy || over
                ? 'opacity-100'
                : 'opacity-0 group-hover:opacity-100 group-focus-visible:opacity-100',
            )}
            aria-hidden="true"
          >
            {busy ? <Spinner className="size-5" /> : <ImageUp className="size-5" />}
            {busy ? 'Uploading…' : over ? 'Drop to upload' : 'Change'}
          </span>
        </button>
        <div className="flex min-w-0 flex-col items-start gap-2">
          <div className="flex flex-wrap gap-2">
            <button
              type="button"
              className="btn-secondary"
              onClick={() => input.current?.click()}
              disabled={busy}
            >
              <ImageUp className="size-4" aria-hidden="true" />
              Upload picture
            </button>
            <button
              type="button"
              className="btn-secondary"
              onClick={() => {
                // What is said about an earlier upload no longer applies.
                upload.reset();
                reset.reset();
                setLocalError(null);
                setGenerated(false);
                setLinked(false);
                setLinking(true);
              }}
              disabled={busy}
            >
              <Link2 className="size-4" aria-hidden="true" />
              From a link
            </button>
            {generation.data?.available ? (
              <button
                type="button"
                className="btn-secondary"
                onClick={() => {
                  setGenerated(false);
                  setLinked(false);
                  setGenerating(true);
                }}
                disabled={busy}
              >
                <WandSparkles className="size-4" aria-hidden="true" />
                Generate picture
              </button>
            ) : null}
          </div>
          {hasUploadedPicture(avatar) ? (
            <button
              type="button"
              className="btn-ghost h-8 px-2"
              onClick={() => reset.mutate()}
              disabled={busy}
            >
              {reset.isPending ? <Spinner /> : <RotateCcw className="size-4" aria-hidden="true" />}
              Use generated face
            </button>
          ) : null}
          <p id={hintId} className="text-[13px] leading-5 text-ink-muted">
            PNG, JPEG or WebP up to 5 MB, or drop one on the picture. It’s cropped to a square.
          </p>
          {generation.data?.reason === 'local_only' ? (
            <p className="text-[13px] leading-5 text-ink-muted">
              Picture generation is off: privacy mode keeps everything on this machine, and the image service
              isn’t local.
            </p>
          ) : null}
        </div>
      </div>
      <p className="sr-only" aria-live="polite">
        {upload.isPending
          ? 'Uploading picture…'
          : upload.isSuccess
            ? 'Picture updated.'
            : generated
              ? 'Picture generated.'
              : linked
                ? 'Picture imported from the link.'
                : ''}
      </p>
      {message ? <FormAlert>{message}</FormAlert> : null}
      <PictureLinkDialog
        avatar={avatar}
        open={linking}
        onOpenChange={setLinking}
        onImported={() => setLinked(true)}
      />
      {generation.data?.available ? (
        <GeneratePictureDialog
          avatar={avatar}
          status={generation.data}
          open={generating}
          onOpenChange={setGenerating}
          onGenerated={() => setGenerated(true)}
        />
      ) : null}
      <input
        ref={input}
        type="file"
        accept={IMAGE_TYPES.join(',')}
        hidden
        tabIndex={-1}
        aria-hidden="true"
        data-testid="picture-input"
        onChange={(event) => {
          choose(event.target.files?.[0]);
          event.target.value = '';
        }}
      />
    </div>
  );
}

import clsx from 'clsx';
import { type Persona, personaPictureUrl } from '../lib/personas';

/**
 * A persona's picture, or its initial on a tinted disc when it has none. Decorative: the name is
 * written beside it wherever it appears.
 */
export function PersonaPicture({
  persona,
  className = 'size-9',
}: {
  persona: Pick<Persona, 'id' | 'imageId' | 'name'>;
  className?: string;
}) {
  const url = personaPictureUrl(persona);
  if (url)
    return (
      <img
        src={url}
        alt=""
        loading="lazy"
        decoding="async"
        draggable={false}
        className={clsx(
          'shrink-0 rounded-full border border-line bg-surface-sunken object-cover dark:border-line-strong',
          className,
        )}
      />
    );
  return (
    <span
      aria-hidden="true"
      className={clsx(
        'flex shrink-0 items-center justify-center rounded-full bg-accent-soft text-sm font-semibold text-accent select-none',
        className,
      )}
    >
      {[...persona.name.trim()][0]?.toUpperCase() ?? '?'}
    </span>
  );
}

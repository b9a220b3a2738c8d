import clsx from 'clsx';

/**
 * An avatar's picture (uploaded, or the generated face). Decorative by default: the name is
 * always written beside it; pass `alt` where the picture stands alone.
 */
export function AvatarPicture({
  src,
  alt = '',
  className,
}: {
  src: string;
  alt?: string;
  className?: string;
}) {
  return (
    <img
      src={src}
      alt={alt}
      loading="lazy"
      decoding="async"
      draggable={false}
      className={clsx(
        'shrink-0 rounded-xl border border-line bg-surface-sunken object-cover dark:border-line-strong',
        className ?? 'size-14',
      )}
    />
  );
}

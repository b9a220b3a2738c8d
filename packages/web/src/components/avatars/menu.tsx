import clsx from 'clsx';

/** The item look shared by the avatar menus (new, export, card actions). */
export const menuItemClass =
  'flex cursor-default items-center gap-2.5 rounded-lg px-2.5 py-2 text-sm text-ink outline-none select-none data-[disabled]:opacity-50 data-[highlighted]:bg-surface-sunken';

export const menuContentClass = clsx(
  'z-50 w-[min(17rem,calc(100vw-1rem))] animate-fade-in rounded-xl border border-line bg-surface-raised p-1 shadow-pop dark:border-line-strong',
);

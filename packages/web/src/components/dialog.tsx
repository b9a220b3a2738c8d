import * as RadixDialog from '@radix-ui/react-dialog';
import clsx from 'clsx';
import { X } from 'lucide-react';
import { type ReactNode, type RefObject, useRef } from 'react';

interface DialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: ReactNode;
  children: ReactNode;
  /** Wider for forms with several fields (`lg`: two columns of fields). */
  size?: 'sm' | 'md' | 'lg';
  /** Block closing by Escape or a click outside (e.g. while a request runs). */
  locked?: boolean;
  /** Set false when a stray click outside would lose something (e.g. a secret shown once). */
  closeOnOutsideClick?: boolean;
  /**
   * What gets focus when it opens (else the first focusable element, the Close button). Use this
   * rather than `autoFocus`, which runs before Radix notes the element to return focus to on close.
   */
  initialFocus?: RefObject<HTMLElement | null>;
}

/**
 * A modal dialog (Radix: focus trap, Escape, scroll lock, labelled by its title). On phones it
 * becomes a sheet at the bottom of the screen.
 */
export function Dialog({
  open,
  onOpenChange,
  title,
  description,
  children,
  size = 'sm',
  locked,
  closeOnOutsideClick = true,
  initialFocus,
}: DialogProps) {
  // Radix returns focus to its Trigger, which these dialogs (opened from state) do not use; so
  // the element that had focus when it opened gets it back, as a keyboard user expects.
  const opener = useRef<HTMLElement | null>(null);
  return (
    <RadixDialog.Root open={open} onOpenChange={(next) => (locked && !next ? undefined : onOpenChange(next))}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="fixed inset-0 z-50 animate-fade-in bg-black/40 backdrop-blur-[2px] dark:bg-black/60" />
        <RadixDialog.Content
          className={clsx(
            'fixed z-50 flex max-h-[calc(100dvh-2rem)] flex-col overflow-y-auto border border-line bg-surface-raised shadow-pop animate-fade-in outline-none dark:border-line-strong',
            'inset-x-0 bottom-0 rounded-t-2xl px-5 pt-5 pb-[max(1.25rem,env(safe-area-inset-bottom))]',
            'sm:inset-x-auto sm:top-1/2 sm:bottom-auto sm:left-1/2 sm:w-[calc(100vw-2rem)] sm:-translate-x-1/2 sm:-translate-y-1/2 sm:rounded-2xl sm:p-6',
            size === 'sm' ? 'sm:max-w-md' : size === 'md' ? 'sm:max-w-lg' : 'sm:max-w-2xl',
          )}
          {...(description ? {} : { 'aria-describedby': undefined })}
          onOpenAutoFocus={(event) => {
            opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
            if (!initialFocus?.current) return;
            event.preventDefault();
            initialFocus.current.focus();
          }}
          onCloseAutoFocus={(event) => {
            const target = opener.current;
            opener.current = null;
            // Leave focus alone when the page moved it on purpose while closing (or the opener is gone).
            const active = document.activeElement;
            if (!target?.isConnected || (active && active !== document.body)) return;
            event.preventDefault();
            target.focus();
          }}
          onInteractOutside={(event) => {
            if (!closeOnOutsideClick) event.preventDefault();
          }}
        >
          <div className="flex items-start gap-3">
            <div className="min-w-0 flex-1">
              <RadixDialog.Title className="text-lg font-semibold text-ink">{title}</RadixDialog.Title>
              {description ? (
                <RadixDialog.Description className="mt-1 text-sm text-ink-muted">
                  {description}
                </RadixDialog.Description>
              ) : null}
            </div>
            <RadixDialog.Close className="icon-btn -mt-1 -mr-2 size-8" aria-label="Close" disabled={locked}>
              <X className="size-4" aria-hidden="true" />
            </RadixDialog.Close>
          </div>
          <div className="mt-5">{children}</div>
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

/** The row of buttons at the foot of a dialog: full width on phones, right-aligned above. */
export function DialogActions({ children }: { children: ReactNode }) {
  return (
    <div className="mt-6 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end [&>*]:max-sm:w-full">
      {children}
    </div>
  );
}

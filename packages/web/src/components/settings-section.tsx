import type { FormEventHandler, ReactNode, Ref } from 'react';
import { useId } from 'react';

/**
 * One block of a settings page: a card with a title and explanation, the fields, and a footer
 * with the actions. Renders a <form> when `onSubmit` is given, so Enter submits.
 */
export function SettingsSection({
  title,
  description,
  children,
  footer,
  onSubmit,
  formRef,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  onSubmit?: FormEventHandler<HTMLFormElement>;
  formRef?: Ref<HTMLFormElement>;
}) {
  const headingId = useId();
  const body = (
    <>
      <div className="px-5 pt-5 sm:px-6 sm:pt-6">
        <h2 id={headingId} className="font-semibold text-ink">
          {title}
        </h2>
        {description ? <p className="mt-1 text-sm text-ink-muted">{description}</p> : null}
      </div>
      <div className="px-5 py-5 sm:px-6">{children}</div>
      {footer ? (
        <div className="flex flex-col-reverse gap-3 rounded-b-xl border-t border-line bg-surface-sunken/50 px-5 py-3.5 sm:flex-row sm:items-center sm:justify-end sm:px-6">
          {footer}
        </div>
      ) : null}
    </>
  );
  return onSubmit ? (
    <form ref={formRef} onSubmit={onSubmit} noValidate aria-labelledby={headingId} className="card">
      {body}
    </form>
  ) : (
    <section aria-labelledby={headingId} className="card">
      {body}
    </section>
  );
}

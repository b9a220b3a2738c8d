import { type RefObject, useEffect } from 'react';

/**
 * After a failed submit, moves focus to the first field marked aria-invalid inside `form`, so a
 * keyboard or screen reader user lands on the problem. `attempt` changes on every failed submit.
 */
export function useFocusFirstInvalid(form: RefObject<HTMLElement | null>, attempt: number) {
  useEffect(() => {
    if (attempt === 0) return;
    const invalid = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    invalid?.focus();
  }, [form, attempt]);
}

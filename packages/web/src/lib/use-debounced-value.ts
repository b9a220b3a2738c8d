import { useEffect, useState } from 'react';

/**
 * `value`, once it has stopped changing for `delayMs`: typing in a field updates it once per
 * pause instead of once per key.
 * @example const query = useDebouncedValue(search, 300);
 */
export function useDebouncedValue<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

import { useEffect, useRef } from 'react';
import { useLocation } from 'react-router';

/**
 * Scrolls to the element named by the URL's #hash once `ready` (its content has loaded), e.g.
 * /settings/models#ollama-pull. After the layout's own scroll-to-top on navigation.
 */
export function useScrollToHash(ready: boolean) {
  const { hash } = useLocation();
  const done = useRef<string | null>(null);
  useEffect(() => {
    if (!ready || !hash || done.current === hash) return;
    done.current = hash;
    const timer = window.setTimeout(() => {
      const target = document.getElementById(decodeURIComponent(hash.slice(1)));
      if (!target) return;
      target.scrollIntoView({ block: 'start' });
      target.querySelector<HTMLElement>('input, button, select, textarea')?.focus({ preventScroll: true });
    }, 50);
    return () => window.clearTimeout(timer);
  }, [ready, hash]);
}

import { useEffect } from 'react';

/** Sets document.title to "<page> · Lumina" while the page is shown. */
export function useDocumentTitle(page: string) {
  useEffect(() => {
    document.title = `${page} · Lumina`;
  }, [page]);
}

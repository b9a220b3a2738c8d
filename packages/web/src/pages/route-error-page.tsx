import { isRouteErrorResponse, useRouteError } from 'react-router';
import { ErrorPanel } from '../components/error-panel';
import { Logo } from '../components/logo';
import { useDocumentTitle } from '../lib/document-title';
import { NotFoundPage } from './not-found-page';

/**
 * The router's last line of defence (errorElement): shown when the layout itself fails, so it
 * stands alone, without the navigation.
 */
export function RouteErrorPage() {
  const error = useRouteError();
  useDocumentTitle('Something went wrong');
  const notFound = isRouteErrorResponse(error) && error.status === 404;

  return (
    <div className="flex min-h-dvh flex-col">
      <header className="flex h-16 items-center px-5">
        <Logo />
      </header>
      <main id="main" className="mx-auto w-full max-w-xl flex-1 px-4 py-10">
        {notFound ? (
          <NotFoundPage />
        ) : (
          <ErrorPanel error={error} onRetry={() => window.location.reload()} showHome headingLevel="h1" />
        )}
      </main>
    </div>
  );
}

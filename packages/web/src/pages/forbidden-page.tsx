import { Home, ShieldAlert } from 'lucide-react';
import { Link } from 'react-router';
import { useDocumentTitle } from '../lib/document-title';

/** Shown when a signed-in person opens a page meant for administrators. */
export function ForbiddenPage() {
  useDocumentTitle('Administrators only');
  return (
    <div className="flex flex-col items-center py-12 text-center sm:py-20">
      <span className="flex size-14 items-center justify-center rounded-full bg-warn-soft text-warn">
        <ShieldAlert className="size-7" aria-hidden="true" />
      </span>
      <h1 className="mt-5 text-2xl font-semibold tracking-tight text-ink">Administrators only</h1>
      <p className="mt-2 max-w-md text-ink-muted">
        This page manages the accounts on this Lumina server, so only its administrators can open it. If you
        need something changed, ask one of them.
      </p>
      <div className="mt-8 flex flex-wrap justify-center gap-2">
        <Link to="/" className="btn-primary">
          <Home className="size-4" aria-hidden="true" />
          Back to home
        </Link>
        <Link to="/settings/profile" className="btn-secondary">
          Your profile
        </Link>
      </div>
    </div>
  );
}

import { LockKeyhole } from 'lucide-react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { AuthLayout, FullPageLoading } from '../components/auth-layout';
import { ErrorPanel } from '../components/error-panel';
import { SignupForm } from '../components/signup-form';
import { useDocumentTitle } from '../lib/document-title';
import { safeNextPath } from '../lib/safe-next';
import { useAuthConfig, useSession } from '../lib/session';

/** /signup: open sign-up, or an explanation when only administrators can create accounts. */
export function SignupPage() {
  useDocumentTitle('Create account');
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNextPath(params.get('next'));
  const session = useSession();
  const config = useAuthConfig();
  const loginHref = params.get('next') ? `/login?next=${encodeURIComponent(next)}` : '/login';

  if (session.data) return <Navigate to={next} replace />;
  if (config.isError && !config.data) {
    return (
      <AuthLayout title="Create your account">
        <ErrorPanel error={config.error} onRetry={() => config.refetch()} retryLabel="Retry" />
      </AuthLayout>
    );
  }
  if (!config.data || session.isPending) return <FullPageLoading />;
  // The first account is made on the sign-in page, with its own explanation.
  if (config.data.needsFirstAdmin) return <Navigate to={loginHref} replace />;

  if (!config.data.signupOpen) {
    return (
      <AuthLayout title="Sign-up is closed">
        <div className="flex flex-col items-start gap-4">
          <span className="flex size-11 items-center justify-center rounded-full bg-accent-soft text-accent-soft-ink">
            <LockKeyhole className="size-5" aria-hidden="true" />
          </span>
          <p className="text-ink-muted">
            This Lumina server doesn’t accept new sign-ups. An administrator must create your account: ask
            them to add you, then sign in with the email and password they give you.
          </p>
          <Link to={loginHref} className="btn-primary h-10 w-full">
            Back to sign in
          </Link>
        </div>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title="Create your account"
      description="Make avatars that talk with you and remember."
      footer={
        <>
          Already have an account?{' '}
          <Link to={loginHref} className="link">
            Sign in
          </Link>
        </>
      }
    >
      <SignupForm
        submitLabel="Create account"
        signInHref={loginHref}
        onSignedUp={() => navigate(next, { replace: true })}
      />
    </AuthLayout>
  );
}

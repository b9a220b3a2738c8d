import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { AuthLayout, FullPageLoading } from '../components/auth-layout';
import { ErrorPanel } from '../components/error-panel';
import { FormAlert } from '../components/form-alert';
import { TextField } from '../components/form-field';
import { PasswordField } from '../components/password-field';
import { SignupForm } from '../components/signup-form';
import { SubmitButton } from '../components/submit-button';
import { type FormErrors, formErrorsFrom } from '../lib/api-errors';
import { useDocumentTitle } from '../lib/document-title';
import { useLuminaClient } from '../lib/lumina-client';
import { safeNextPath } from '../lib/safe-next';
import { SESSION_QUERY_KEY, useAuthConfig, useSession } from '../lib/session';
import { useFocusFirstInvalid } from '../lib/use-focus-first-invalid';
import { emailProblem, onlyProblems } from '../lib/validate';

/** Why the person landed on the sign-in page, passed in the navigation state. */
export type LoginNotice = 'session_expired' | 'account_disabled' | 'signed_out';

const NOTICES: Record<LoginNotice, { tone: 'info' | 'error' | 'success'; text: string }> = {
  session_expired: { tone: 'info', text: 'Your session ended. Sign in again.' },
  account_disabled: {
    tone: 'error',
    text: 'This account has been disabled. Ask an administrator if you think this is a mistake.',
  },
  signed_out: { tone: 'success', text: 'You’re signed out.' },
};

/**
 * /login. On a fresh server (no accounts yet) it shows the sign-up form for the first account,
 * which becomes the administrator. After signing in, the person returns to `?next=`.
 */
export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const location = useLocation();
  const next = safeNextPath(params.get('next'));
  const session = useSession();
  const config = useAuthConfig();
  const firstRun = config.data?.needsFirstAdmin === true;
  useDocumentTitle(firstRun ? 'Set up Lumina' : 'Sign in');

  // A notice means the session just ended; the cached user may not be cleared yet.
  const arrivedSignedOut = Boolean((location.state as { notice?: LoginNotice } | null)?.notice);
  if (session.data && !arrivedSignedOut) return <Navigate to={next} replace />;
  if (config.isError && !config.data) {
    return (
      <AuthLayout title="Sign in">
        <ErrorPanel error={config.error} onRetry={() => config.refetch()} retryLabel="Retry" />
      </AuthLayout>
    );
  }
  if (!config.data || session.isPending) return <FullPageLoading />;

  if (firstRun) {
    return (
      <AuthLayout
        title="Create the first account — it will be the administrator"
        description="Welcome to Lumina. This server has no accounts yet: the one you create now can manage the server and invite others."
      >
        <SignupForm
          submitLabel="Create administrator account"
          onSignedUp={() => navigate(next, { replace: true })}
        />
      </AuthLayout>
    );
  }

  const signupHref = params.get('next') ? `/signup?next=${encodeURIComponent(next)}` : '/signup';
  return (
    <AuthLayout
      title="Sign in to Lumina"
      description="Welcome back. Your avatars are waiting."
      footer={
        config.data.signupOpen ? (
          <>
            New here?{' '}
            <Link to={signupHref} className="link">
              Create an account
            </Link>
          </>
        ) : (
          'Need an account? Ask an administrator of this server.'
        )
      }
    >
      <LoginForm onSignedIn={() => navigate(next, { replace: true })} />
    </AuthLayout>
  );
}

const LOGIN_FIELDS = ['email', 'password'] as const;
type LoginField = (typeof LOGIN_FIELDS)[number];

/** Email and password. Wrong credentials never say which of the two was wrong. */
export function LoginForm({ onSignedIn }: { onSignedIn: () => void }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const location = useLocation();
  const notice = (location.state as { notice?: LoginNotice } | null)?.notice;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors<LoginField>>({ fields: {}, form: null });
  const [attempt, setAttempt] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);
  useFocusFirstInvalid(form, attempt);
  // Wrong credentials mark no field: get ready for another try, the password being the likely slip.
  useEffect(() => {
    if (attempt === 0 || !errors.form) return;
    passwordInput.current?.focus();
    passwordInput.current?.select();
  }, [attempt, errors.form]);

  const login = useMutation({
    mutationFn: async () => {
      const { data } = await lumina.POST('/api/auth/login', { body: { email: email.trim(), password } });
      return data!.user;
    },
    onSuccess: (user) => {
      queryClient.setQueryData(SESSION_QUERY_KEY, user);
      onSignedIn();
    },
    onError: (error) => {
      setErrors(formErrorsFrom(error, LOGIN_FIELDS));
      setAttempt((n) => n + 1);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (login.isPending) return;
    const problems = onlyProblems<LoginField>({
      email: emailProblem(email),
      password: password ? undefined : 'Enter your password.',
    });
    setErrors({ fields: problems, form: null });
    if (Object.keys(problems).length > 0) {
      setAttempt((n) => n + 1);
      return;
    }
    login.mutate();
  }

  const shownNotice = notice && !errors.form && !login.isPending ? NOTICES[notice] : undefined;

  return (
    <form ref={form} onSubmit={submit} noValidate className="flex flex-col gap-5">
      {shownNotice ? <FormAlert tone={shownNotice.tone}>{shownNotice.text}</FormAlert> : null}
      {errors.form ? <FormAlert requestId={errors.requestId}>{errors.form}</FormAlert> : null}
      <div className="flex flex-col gap-4">
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          inputMode="email"
          required
          autoFocus
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={errors.fields.email}
        />
        <PasswordField
          ref={passwordInput}
          label="Password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={errors.fields.password}
        />
      </div>
      <SubmitButton pending={login.isPending} pendingLabel="Signing in…" className="h-10 w-full">
        Sign in
      </SubmitButton>
    </form>
  );
}

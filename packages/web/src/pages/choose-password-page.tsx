import { useMutation, useQueryClient } from '@tanstack/react-query';
import { KeyRound } from 'lucide-react';
import { type FormEvent, type ReactNode, useRef, useState } from 'react';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { AuthLayout, FullPageLoading } from '../components/auth-layout';
import { ErrorPanel } from '../components/error-panel';
import { FormAlert } from '../components/form-alert';
import { PasswordField } from '../components/password-field';
import { SubmitButton } from '../components/submit-button';
import { type FormErrors, formErrorsFrom } from '../lib/api-errors';
import { useDocumentTitle } from '../lib/document-title';
import { useLuminaClient } from '../lib/lumina-client';
import { loginPathFor, safeNextPath } from '../lib/safe-next';
import { SESSION_QUERY_KEY, type User, useSession, useSignOut } from '../lib/session';
import { useFocusFirstInvalid } from '../lib/use-focus-first-invalid';
import { newPasswordProblem, onlyProblems } from '../lib/validate';

/**
 * Sends someone whose password is a temporary one (an administrator set it) to /choose-password
 * before any page that would call the API: until they choose their own, the server refuses
 * everything else with `password_change_required`. Everyone else sees `children`.
 */
export function RequireChosenPassword({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session.data?.passwordChangeRequired) return children;
  const here = safeNextPath(`${location.pathname}${location.search}${location.hash}`, '');
  const next = here && here !== '/' ? `?next=${encodeURIComponent(here)}` : '';
  return <Navigate to={`/choose-password${next}`} replace />;
}

const FIELDS = ['currentPassword', 'newPassword'] as const;
type Field = (typeof FIELDS)[number];

/** /choose-password: the first sign-in with a temporary password, where the person picks their own. */
export function ChoosePasswordPage() {
  useDocumentTitle('Choose your password');
  const session = useSession();
  const location = useLocation();
  const [params] = useSearchParams();
  const next = safeNextPath(params.get('next'));

  if (session.data === null) return <Navigate to={loginPathFor(location)} replace />;
  if (session.data && !session.data.passwordChangeRequired) return <Navigate to={next} replace />;
  if (session.isError && !session.data) {
    return (
      <AuthLayout title="Choose your password">
        <ErrorPanel error={session.error} onRetry={() => session.refetch()} retryLabel="Retry" />
      </AuthLayout>
    );
  }
  if (!session.data) return <FullPageLoading />;
  return <ChoosePasswordForm user={session.data} next={next} />;
}

function ChoosePasswordForm({ user, next }: { user: User; next: string }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const signOut = useSignOut();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors<Field>>({ fields: {}, form: null });
  const [attempt, setAttempt] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, attempt);

  const change = useMutation({
    mutationFn: async () => {
      await lumina.POST('/api/auth/password', { body: { currentPassword, newPassword } });
    },
    onSuccess: async () => {
      const chosen: User = { ...user, passwordChangeRequired: false };
      queryClient.setQueryData(SESSION_QUERY_KEY, chosen);
      await navigate(next, { replace: true });
    },
    onError: (error) => {
      setErrors(
        formErrorsFrom(error, FIELDS, {
          wrong_password: 'currentPassword',
          weak_password: 'newPassword',
          same_password: 'newPassword',
        }),
      );
      setAttempt((n) => n + 1);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (change.isPending) return;
    const problems = onlyProblems<Field>({
      currentPassword: currentPassword ? undefined : 'Enter the temporary password you were given.',
      newPassword:
        newPasswordProblem(newPassword, user.email) ??
        (newPassword === currentPassword ? 'Choose a password different from the temporary one.' : undefined),
    });
    setErrors({ fields: problems, form: null });
    if (Object.keys(problems).length > 0) {
      setAttempt((n) => n + 1);
      return;
    }
    change.mutate();
  }

  return (
    <AuthLayout
      title="Choose your password"
      description={
        <>
          An administrator set a temporary password for <strong className="text-ink">{user.email}</strong>.
          Choose your own to continue; only you will know it.
        </>
      }
      footer={
        <button
          type="button"
          className="link disabled:opacity-60"
          onClick={() => signOut.mutate()}
          disabled={signOut.isPending}
        >
          Sign out instead
        </button>
      }
    >
      <form ref={form} onSubmit={submit} noValidate className="flex flex-col gap-5">
        {errors.form ? <FormAlert requestId={errors.requestId}>{errors.form}</FormAlert> : null}
        {/* Lets password managers store the new password for the right account. */}
        <input type="email" name="username" autoComplete="username" value={user.email} readOnly hidden />
        <PasswordField
          label="Temporary password"
          name="currentPassword"
          autoComplete="current-password"
          required
          value={currentPassword}
          onChange={(event) => setCurrentPassword(event.target.value)}
          error={errors.fields.currentPassword}
        />
        <PasswordField
          label="New password"
          name="newPassword"
          autoComplete="new-password"
          required
          value={newPassword}
          onChange={(event) => setNewPassword(event.target.value)}
          error={errors.fields.newPassword}
          showStrength
        />
        <SubmitButton pending={change.isPending} pendingLabel="Saving…" className="w-full">
          <KeyRound className="size-4" aria-hidden="true" />
          Save and continue
        </SubmitButton>
      </form>
    </AuthLayout>
  );
}

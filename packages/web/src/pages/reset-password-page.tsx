import { LuminaApiError } from '@lumina/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRound } from 'lucide-react';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { AuthLayout, FullPageLoading } from '../components/auth-layout';
import { FormAlert } from '../components/form-alert';
import { PasswordField } from '../components/password-field';
import { SubmitButton } from '../components/submit-button';
import { type FormErrors, formErrorsFrom, friendlyMessage } from '../lib/api-errors';
import { useDocumentTitle } from '../lib/document-title';
import { formatDateTime } from '../lib/format';
import { useLuminaClient } from '../lib/lumina-client';
import { SESSION_QUERY_KEY } from '../lib/session';
import { useFocusFirstInvalid } from '../lib/use-focus-first-invalid';
import { newPasswordProblem, onlyProblems } from '../lib/validate';

/** Codes that mean "this link will never work": the form is replaced by the explanation. */
const DEAD_LINK_CODES = new Set([
  'reset_token_invalid',
  'reset_token_expired',
  'reset_token_used',
  'reset_token_superseded',
]);

const DEAD_LINK_TITLES: Record<string, string> = {
  reset_token_expired: 'This link has expired',
  reset_token_used: 'This link has been used',
  reset_token_superseded: 'This link was replaced',
  reset_token_invalid: 'This link doesn’t work',
};

/**
 * The token from `#token=…`, read once: the fragment never reaches a server (nor its logs), and
 * it is taken out of the address bar and the history so it is not left behind on this device.
 */
function useTokenFromFragment(): string {
  const location = useLocation();
  const navigate = useNavigate();
  const [token] = useState(() => new URLSearchParams(location.hash.slice(1)).get('token') ?? '');
  useEffect(() => {
    if (location.hash) void navigate(location.pathname, { replace: true });
  }, [location.hash, location.pathname, navigate]);
  return token;
}

/** /reset-password#token=…: set a new password with a one-time link from an administrator. */
export function ResetPasswordPage() {
  useDocumentTitle('Set a new password');
  const lumina = useLuminaClient();
  const token = useTokenFromFragment();
  const check = useQuery({
    queryKey: ['auth', 'password-reset', token],
    enabled: token !== '',
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async ({ signal }) =>
      (await lumina.POST('/api/auth/password-reset/check', { body: { token }, signal })).data!,
  });

  if (!token)
    return (
      <DeadLink
        code="reset_token_invalid"
        message="This address has no reset code in it. Open the whole link you were given."
      />
    );
  if (check.isError) {
    const error = check.error;
    if (error instanceof LuminaApiError && DEAD_LINK_CODES.has(error.code))
      return <DeadLink code={error.code} message={friendlyMessage(error)} />;
    return (
      <AuthLayout title="Set a new password">
        <FormAlert requestId={error instanceof LuminaApiError ? error.requestId : undefined}>
          {friendlyMessage(error)}
        </FormAlert>
        <button type="button" className="btn-secondary mt-4 w-full" onClick={() => check.refetch()}>
          Try again
        </button>
      </AuthLayout>
    );
  }
  if (!check.data) return <FullPageLoading />;
  return <ResetForm token={token} email={check.data.email} expiresAt={check.data.expiresAt} />;
}

function DeadLink({ code, message }: { code: string; message: string }) {
  return (
    <AuthLayout
      title={DEAD_LINK_TITLES[code] ?? 'This link doesn’t work'}
      footer={
        <Link to="/login" className="link">
          Back to sign in
        </Link>
      }
    >
      <FormAlert>{message}</FormAlert>
      <p className="mt-4 text-sm text-ink-muted">
        Reset links come from an administrator of this Lumina server. Each works once and for a limited time;
        ask them for a new one if you still need it.
      </p>
    </AuthLayout>
  );
}

const FIELDS = ['newPassword'] as const;
type Field = (typeof FIELDS)[number];

function ResetForm({ token, email, expiresAt }: { token: string; email: string; expiresAt: string }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [newPassword, setNewPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors<Field>>({ fields: {}, form: null });
  const [dead, setDead] = useState<{ code: string; message: string } | null>(null);
  const [attempt, setAttempt] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, attempt);

  const reset = useMutation({
    mutationFn: async () =>
      (await lumina.POST('/api/auth/password-reset', { body: { token, newPassword } })).data!.user,
    onSuccess: async (user) => {
      queryClient.clear();
      queryClient.setQueryData(SESSION_QUERY_KEY, user);
      await navigate('/', { replace: true });
    },
    onError: (error) => {
      if (error instanceof LuminaApiError && DEAD_LINK_CODES.has(error.code)) {
        setDead({ code: error.code, message: friendlyMessage(error) });
        return;
      }
      setErrors(formErrorsFrom(error, FIELDS, { weak_password: 'newPassword' }));
      setAttempt((n) => n + 1);
    },
  });

  if (dead) return <DeadLink code={dead.code} message={dead.message} />;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (reset.isPending) return;
    const problems = onlyProblems<Field>({ newPassword: newPasswordProblem(newPassword, email) });
    setErrors({ fields: problems, form: null });
    if (Object.keys(problems).length > 0) {
      setAttempt((n) => n + 1);
      return;
    }
    reset.mutate();
  }

  return (
    <AuthLayout
      title="Set a new password"
      description={
        <>
          For <strong className="text-ink">{email}</strong>. This link works once, until{' '}
          {formatDateTime(expiresAt)}; using it signs this account out on every other device.
        </>
      }
      footer={
        <Link to="/login" className="link">
          Back to sign in
        </Link>
      }
    >
      <form ref={form} onSubmit={submit} noValidate className="flex flex-col gap-5">
        {errors.form ? <FormAlert requestId={errors.requestId}>{errors.form}</FormAlert> : null}
        <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
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
        <SubmitButton pending={reset.isPending} pendingLabel="Saving…" className="w-full">
          <KeyRound className="size-4" aria-hidden="true" />
          Save password and sign in
        </SubmitButton>
      </form>
    </AuthLayout>
  );
}

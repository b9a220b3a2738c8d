import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { FormAlert } from '../../components/form-alert';
import { TextField } from '../../components/form-field';
import { PageHeader } from '../../components/page-header';
import { PasswordField } from '../../components/password-field';
import { SettingsSection } from '../../components/settings-section';
import { StatusBadge } from '../../components/status-badge';
import { SubmitButton } from '../../components/submit-button';
import { type FormErrors, formErrorsFrom } from '../../lib/api-errors';
import { useDocumentTitle } from '../../lib/document-title';
import { formatDate } from '../../lib/format';
import { useLuminaClient } from '../../lib/lumina-client';
import { SESSION_QUERY_KEY, type User, useSession } from '../../lib/session';
import { useFocusFirstInvalid } from '../../lib/use-focus-first-invalid';
import { nameProblem, newPasswordProblem, onlyProblems } from '../../lib/validate';
import { PersonasSection } from './personas-section';

/** /settings/profile: name, the name avatars use, personas, and the password. */
export function ProfilePage() {
  useDocumentTitle('Profile');
  const user = useSession().data;
  if (!user) return null;
  return (
    <>
      <PageHeader title="Profile" description="How you appear in Lumina, and how you sign in." />
      <div className="flex max-w-2xl flex-col gap-6">
        <ProfileForm user={user} />
        <PersonasSection
          accountName={user.preferredName?.trim() || user.name.trim().split(/\s+/)[0] || user.name}
        />
        <PasswordForm email={user.email} />
      </div>
    </>
  );
}

const PROFILE_FIELDS = ['name', 'preferredName'] as const;
type ProfileField = (typeof PROFILE_FIELDS)[number];

function ProfileForm({ user }: { user: User }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const [name, setName] = useState(user.name);
  const [preferredName, setPreferredName] = useState(user.preferredName ?? '');
  const [errors, setErrors] = useState<FormErrors<ProfileField>>({ fields: {}, form: null });
  const [attempt, setAttempt] = useState(0);
  const [saved, setSaved] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, attempt);

  const changed =
    name.trim() !== user.name || (preferredName.trim() || null) !== (user.preferredName ?? null);

  const save = useMutation({
    mutationFn: async () => {
      const { data } = await lumina.PATCH('/api/auth/me', {
        body: { name: name.trim(), preferredName: preferredName.trim() || null },
      });
      return data!.user;
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(SESSION_QUERY_KEY, updated);
      setName(updated.name);
      setPreferredName(updated.preferredName ?? '');
      setSaved(true);
    },
    onError: (error) => {
      setErrors(formErrorsFrom(error, PROFILE_FIELDS));
      setAttempt((n) => n + 1);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (save.isPending) return;
    setSaved(false);
    const problems = onlyProblems<ProfileField>({
      name: nameProblem(name),
      preferredName: preferredName.trim().length > 100 ? 'Use at most 100 characters.' : undefined,
    });
    setErrors({ fields: problems, form: null });
    if (Object.keys(problems).length > 0) {
      setAttempt((n) => n + 1);
      return;
    }
    save.mutate();
  }

  return (
    <SettingsSection
      title="Your details"
      description="Your name is shown to administrators; avatars address you by your preferred name."
      onSubmit={submit}
      formRef={form}
      footer={
        <>
          {saved && !changed ? (
            <p role="status" className="text-sm font-medium text-ok sm:mr-auto">
              Profile saved.
            </p>
          ) : null}
          <SubmitButton pending={save.isPending} pendingLabel="Saving…" disabled={!changed}>
            Save changes
          </SubmitButton>
        </>
      }
    >
      <div className="flex flex-col gap-4">
        {errors.form ? <FormAlert requestId={errors.requestId}>{errors.form}</FormAlert> : null}
        <TextField
          label="Name"
          name="name"
          autoComplete="name"
          required
          maxLength={100}
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={errors.fields.name}
        />
        <TextField
          label="What should avatars call you?"
          name="preferredName"
          autoComplete="nickname"
          maxLength={100}
          placeholder={name.trim().split(/\s+/)[0] || undefined}
          value={preferredName}
          onChange={(event) => setPreferredName(event.target.value)}
          error={errors.fields.preferredName}
          hint="Leave empty to use your first name."
        />
        <TextField
          label="Email"
          name="email"
          type="email"
          readOnly
          value={user.email}
          hint="You sign in with this address. It can’t be changed here."
        />
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-ink-muted">
          <StatusBadge tone={user.role === 'admin' ? 'ok' : 'neutral'}>
            {user.role === 'admin' ? 'Administrator' : 'Member'}
          </StatusBadge>
          <span>Member since {formatDate(user.createdAt)}</span>
        </div>
      </div>
    </SettingsSection>
  );
}

const PASSWORD_FIELDS = ['currentPassword', 'newPassword'] as const;
type PasswordFieldName = (typeof PASSWORD_FIELDS)[number];

/** "Signed out 2 other sessions." — what changing the password did to other devices. */
export function revokedSessionsMessage(count: number): string {
  if (count === 0) return 'Password changed. No other sessions were signed in.';
  if (count === 1) return 'Password changed. 1 other session was signed out.';
  return `Password changed. ${count} other sessions were signed out.`;
}

function PasswordForm({ email }: { email: string }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors<PasswordFieldName>>({ fields: {}, form: null });
  const [attempt, setAttempt] = useState(0);
  const [done, setDone] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, attempt);

  useEffect(() => {
    if (currentPassword || newPassword) setDone(null);
  }, [currentPassword, newPassword]);

  const change = useMutation({
    mutationFn: async () => {
      const { data } = await lumina.POST('/api/auth/password', { body: { currentPassword, newPassword } });
      return data!.revokedSessions;
    },
    onSuccess: (revoked) => {
      setCurrentPassword('');
      setNewPassword('');
      setErrors({ fields: {}, form: null });
      setDone(revokedSessionsMessage(revoked));
      void queryClient.invalidateQueries({ queryKey: ['sessions'] });
    },
    onError: (error) => {
      const mapped = formErrorsFrom(error, PASSWORD_FIELDS, {
        wrong_password: 'currentPassword',
        weak_password: 'newPassword',
      });
      setErrors(mapped);
      setAttempt((n) => n + 1);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (change.isPending) return;
    const problems = onlyProblems<PasswordFieldName>({
      currentPassword: currentPassword ? undefined : 'Enter your current password.',
      newPassword:
        newPasswordProblem(newPassword, email) ??
        (newPassword && newPassword === currentPassword
          ? 'Choose a password different from the current one.'
          : undefined),
    });
    setErrors({ fields: problems, form: null });
    if (Object.keys(problems).length > 0) {
      setAttempt((n) => n + 1);
      return;
    }
    change.mutate();
  }

  return (
    <SettingsSection
      title="Change password"
      description="Changing your password signs you out everywhere else; this device stays signed in."
      onSubmit={submit}
      formRef={form}
      footer={
        <SubmitButton pending={change.isPending} pendingLabel="Changing password…">
          Change password
        </SubmitButton>
      }
    >
      <div className="flex flex-col gap-4">
        {done ? <FormAlert tone="success">{done}</FormAlert> : null}
        {errors.form ? <FormAlert requestId={errors.requestId}>{errors.form}</FormAlert> : null}
        {/* Lets password managers pair the new password with the right account. */}
        <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
        <PasswordField
          label="Current password"
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
      </div>
    </SettingsSection>
  );
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { Link } from 'react-router';
import { type FormErrors, formErrorsFrom } from '../lib/api-errors';
import { useLuminaClient } from '../lib/lumina-client';
import { AUTH_CONFIG_QUERY_KEY, SESSION_QUERY_KEY, type User } from '../lib/session';
import { useFocusFirstInvalid } from '../lib/use-focus-first-invalid';
import { emailProblem, nameProblem, newPasswordProblem, onlyProblems } from '../lib/validate';
import { FormAlert } from './form-alert';
import { TextField } from './form-field';
import { PasswordField } from './password-field';
import { SubmitButton } from './submit-button';

export const SIGNUP_FIELDS = ['email', 'name', 'preferredName', 'password'] as const;
export type SignupField = (typeof SIGNUP_FIELDS)[number];

export interface AccountValues {
  email: string;
  name: string;
  preferredName: string;
  password: string;
}

const EMPTY: AccountValues = { email: '', name: '', preferredName: '', password: '' };

/** Checks the form before sending it; the server checks again. */
export function accountProblems(values: AccountValues) {
  return onlyProblems<SignupField>({
    email: emailProblem(values.email),
    name: nameProblem(values.name),
    preferredName: values.preferredName.trim().length > 100 ? 'Use at most 100 characters.' : undefined,
    password: newPasswordProblem(values.password, values.email),
  });
}

/** Maps a failed sign-up (or admin "create user") to messages next to the right fields. */
export function accountErrorsFrom(error: unknown): FormErrors<SignupField> {
  const errors = formErrorsFrom(error, SIGNUP_FIELDS, { weak_password: 'password', email_taken: 'email' });
  return errors;
}

/**
 * The fields of a new account: email, name, the name avatars use, password. Shared by sign-up
 * (and first run) and by an administrator creating an account for someone else.
 */
export function AccountFields({
  values,
  errors,
  onChange,
  forSomeoneElse = false,
  emailTakenHint,
}: {
  values: AccountValues;
  errors: Partial<Record<SignupField, string>>;
  onChange: (values: AccountValues) => void;
  forSomeoneElse?: boolean;
  emailTakenHint?: React.ReactNode;
}) {
  const set = (field: SignupField) => (event: React.ChangeEvent<HTMLInputElement>) =>
    onChange({ ...values, [field]: event.target.value });
  return (
    <div className="flex flex-col gap-4">
      <TextField
        label="Email"
        name="email"
        type="email"
        autoComplete={forSomeoneElse ? 'off' : 'email'}
        inputMode="email"
        required
        value={values.email}
        onChange={set('email')}
        error={errors.email}
        hint={errors.email && emailTakenHint ? emailTakenHint : undefined}
      />
      <TextField
        label="Name"
        name="name"
        autoComplete={forSomeoneElse ? 'off' : 'name'}
        required
        maxLength={100}
        value={values.name}
        onChange={set('name')}
        error={errors.name}
      />
      <TextField
        label={forSomeoneElse ? 'Preferred name' : 'What should avatars call you?'}
        name="preferredName"
        autoComplete={forSomeoneElse ? 'off' : 'nickname'}
        maxLength={100}
        placeholder={values.name.trim().split(/\s+/)[0] || 'e.g. Ada'}
        value={values.preferredName}
        onChange={set('preferredName')}
        error={errors.preferredName}
        hint={
          forSomeoneElse
            ? 'What avatars call them. They can change it later.'
            : 'Leave empty to use your first name.'
        }
      />
      <PasswordField
        label={forSomeoneElse ? 'Temporary password' : 'Password'}
        name="password"
        autoComplete="new-password"
        required
        value={values.password}
        onChange={set('password')}
        error={errors.password}
        showStrength
      />
    </div>
  );
}

/** Sign-up: creates the account and signs in; the first account becomes the administrator. */
export function SignupForm({
  submitLabel,
  onSignedUp,
  signInHref,
}: {
  submitLabel: string;
  onSignedUp: (user: User) => void;
  signInHref?: string;
}) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const [values, setValues] = useState(EMPTY);
  const [errors, setErrors] = useState<FormErrors<SignupField>>({ fields: {}, form: null });
  const [attempt, setAttempt] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, attempt);

  const signup = useMutation({
    mutationFn: async (input: AccountValues) => {
      const { data } = await lumina.POST('/api/auth/signup', {
        body: {
          email: input.email.trim(),
          name: input.name.trim(),
          password: input.password,
          ...(input.preferredName.trim() ? { preferredName: input.preferredName.trim() } : {}),
        },
      });
      return data!.user;
    },
    onSuccess: (user) => {
      queryClient.setQueryData(SESSION_QUERY_KEY, user);
      void queryClient.invalidateQueries({ queryKey: AUTH_CONFIG_QUERY_KEY });
      onSignedUp(user);
    },
    onError: (error) => {
      setErrors(accountErrorsFrom(error));
      setAttempt((n) => n + 1);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (signup.isPending) return;
    const problems = accountProblems(values);
    setErrors({ fields: problems, form: null });
    if (Object.keys(problems).length > 0) {
      setAttempt((n) => n + 1);
      return;
    }
    signup.mutate(values);
  }

  return (
    <form ref={form} onSubmit={submit} noValidate className="flex flex-col gap-5">
      <AccountFields
        values={values}
        errors={errors.fields}
        onChange={setValues}
        emailTakenHint={
          signInHref ? (
            <Link to={signInHref} className="link">
              Sign in instead
            </Link>
          ) : undefined
        }
      />
      {errors.form ? <FormAlert requestId={errors.requestId}>{errors.form}</FormAlert> : null}
      <SubmitButton pending={signup.isPending} pendingLabel="Creating account…" className="h-10 w-full">
        {submitLabel}
      </SubmitButton>
    </form>
  );
}

import { LuminaApiError } from '@lumina/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import clsx from 'clsx';
import { KeyRound, UserPlus } from 'lucide-react';
import { type FormEvent, useId, useRef, useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { CopyButton } from '../../components/copy-button';
import { Dialog, DialogActions } from '../../components/dialog';
import { ErrorPanel } from '../../components/error-panel';
import { FormAlert } from '../../components/form-alert';
import { PageHeader } from '../../components/page-header';
import {
  AccountFields,
  type AccountValues,
  accountErrorsFrom,
  accountProblems,
  type SignupField,
} from '../../components/signup-form';
import { Skeleton } from '../../components/skeleton';
import { StatusBadge } from '../../components/status-badge';
import { SubmitButton } from '../../components/submit-button';
import { UserAvatar } from '../../components/user-menu';
import { type FormErrors, friendlyMessage, serverErrorRequestId } from '../../lib/api-errors';
import { useDocumentTitle } from '../../lib/document-title';
import { formatDate, formatDateTime } from '../../lib/format';
import { useLuminaClient } from '../../lib/lumina-client';
import { type User, useSession } from '../../lib/session';
import { useFocusFirstInvalid } from '../../lib/use-focus-first-invalid';

export const ADMIN_USERS_QUERY_KEY = ['admin', 'users'] as const;
const ADMIN_SETTINGS_QUERY_KEY = ['admin', 'settings'] as const;

/** /admin/users: every account on the server, its role and status, and the sign-up switch. */
export function AdminUsersPage() {
  useDocumentTitle('Users');
  const lumina = useLuminaClient();
  const me = useSession().data;
  const users = useQuery({
    queryKey: ADMIN_USERS_QUERY_KEY,
    queryFn: async ({ signal }): Promise<User[]> => {
      const { data } = await lumina.GET('/api/admin/users', { signal });
      return data?.users ?? [];
    },
  });
  const [creating, setCreating] = useState(false);
  const [toggling, setToggling] = useState<User | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);

  return (
    <>
      <PageHeader
        title="Users"
        description="Everyone with an account on this Lumina server."
        actions={
          <button type="button" className="btn-primary" onClick={() => setCreating(true)}>
            <UserPlus className="size-4" aria-hidden="true" />
            Create user
          </button>
        }
      />
      <div className="flex flex-col gap-6">
        <SignupSwitch />
        {users.data ? (
          <UsersTable
            users={users.data}
            meId={me?.id}
            onToggleDisabled={setToggling}
            onResetLink={setResetting}
          />
        ) : users.isError ? (
          <ErrorPanel error={users.error} onRetry={() => users.refetch()} retryLabel="Retry" />
        ) : (
          <UsersSkeleton />
        )}
      </div>
      <CreateUserDialog open={creating} onOpenChange={setCreating} />
      <DisableDialog user={toggling} onClose={() => setToggling(null)} />
      <ResetLinkDialog user={resetting} onClose={() => setResetting(null)} />
    </>
  );
}

/** Opens or closes public sign-up (`/api/admin/settings`). */
function SignupSwitch() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const labelId = useId();
  const descriptionId = useId();
  const settings = useQuery({
    queryKey: ADMIN_SETTINGS_QUERY_KEY,
    queryFn: async ({ signal }) => (await lumina.GET('/api/admin/settings', { signal })).data!,
  });
  const update = useMutation({
    mutationFn: async (signupOpen: boolean) =>
      (await lumina.PATCH('/api/admin/settings', { body: { signupOpen } })).data!,
    onSuccess: (data) => {
      queryClient.setQueryData(ADMIN_SETTINGS_QUERY_KEY, data);
      void queryClient.invalidateQueries({ queryKey: ['auth', 'config'] });
    },
  });
  const open = update.isPending ? update.variables : settings.data?.signupOpen;

  return (
    <section aria-labelledby={labelId} className="card flex flex-col gap-3 p-5 sm:p-6">
      <div className="flex items-center gap-4">
        <div className="min-w-0 flex-1">
          <h2 id={labelId} className="font-semibold text-ink">
            Open sign-up
          </h2>
          <p id={descriptionId} className="mt-0.5 text-sm text-ink-muted">
            {open === false
              ? 'Closed: only administrators can create accounts, here on this page.'
              : 'Anyone who can reach this server can create an account.'}
          </p>
        </div>
        {settings.data ? (
          <button
            type="button"
            role="switch"
            aria-checked={open === true}
            aria-labelledby={labelId}
            aria-describedby={descriptionId}
            disabled={update.isPending}
            onClick={() => update.mutate(!settings.data.signupOpen)}
            className={clsx(
              'relative inline-flex h-6 w-11 shrink-0 items-center rounded-full border-2 border-transparent transition-colors disabled:opacity-60',
              open ? 'bg-accent' : 'bg-line-strong',
            )}
          >
            <span
              aria-hidden="true"
              className={clsx(
                'inline-block size-5 rounded-full bg-white shadow-sm transition-transform',
                open ? 'translate-x-5' : 'translate-x-0',
              )}
            />
          </button>
        ) : (
          <Skeleton className="h-6 w-11 rounded-full" />
        )}
      </div>
      {update.isError ? (
        <FormAlert requestId={update.error instanceof LuminaApiError ? update.error.requestId : undefined}>
          {friendlyMessage(update.error)}
        </FormAlert>
      ) : settings.isError ? (
        <FormAlert>{friendlyMessage(settings.error)}</FormAlert>
      ) : null}
    </section>
  );
}

function UsersTable({
  users,
  meId,
  onToggleDisabled,
  onResetLink,
}: {
  users: User[];
  meId: string | undefined;
  onToggleDisabled: (user: User) => void;
  onResetLink: (user: User) => void;
}) {
  const [roleError, setRoleError] = useState<{ userId: string; message: string } | null>(null);
  return (
    <section aria-labelledby="users-heading" className="card overflow-hidden">
      <h2 id="users-heading" className="sr-only">
        Accounts
      </h2>
      <table className="w-full text-left text-sm max-md:block">
        <thead className="border-b border-line bg-surface-sunken/60 text-xs font-medium text-ink-muted max-md:sr-only">
          <tr>
            <th scope="col" className="px-6 py-2.5 font-medium">
              Name
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Role
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Status
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Created
            </th>
            <th scope="col" className="px-6 py-2.5 text-right font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-line max-md:block">
          {users.map((user) => (
            <UserRow
              key={user.id}
              user={user}
              isMe={user.id === meId}
              onToggleDisabled={() => onToggleDisabled(user)}
              onResetLink={() => onResetLink(user)}
              roleError={roleError && roleError.userId === user.id ? roleError.message : null}
              onRoleError={(message) => setRoleError(message ? { userId: user.id, message } : null)}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function UserRow({
  user,
  isMe,
  onToggleDisabled,
  onResetLink,
  roleError,
  onRoleError,
}: {
  user: User;
  isMe: boolean;
  onToggleDisabled: () => void;
  onResetLink: () => void;
  roleError: string | null;
  onRoleError: (message: string | null) => void;
}) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const roleErrorId = useId();
  const changeRole = useMutation({
    mutationFn: async (role: User['role']) =>
      (await lumina.PATCH('/api/admin/users/{id}', { params: { path: { id: user.id } }, body: { role } }))
        .data!.user,
    onMutate: () => onRoleError(null),
    onSuccess: (updated) => {
      queryClient.setQueryData<User[]>(ADMIN_USERS_QUERY_KEY, (list) =>
        list?.map((u) => (u.id === updated.id ? updated : u)),
      );
    },
    onError: (error) => onRoleError(friendlyMessage(error)),
  });
  const role = changeRole.isPending ? changeRole.variables : user.role;

  return (
    <tr
      className={clsx(
        'max-md:grid max-md:grid-cols-[1fr_auto] max-md:gap-x-3 max-md:gap-y-2 max-md:px-5 max-md:py-4',
        user.disabled && 'bg-surface-sunken/40',
      )}
    >
      <td className="min-w-0 md:px-6 md:py-3.5 max-md:col-span-2">
        <div className="flex items-center gap-3">
          <UserAvatar
            name={user.name}
            className={clsx('size-9 text-xs', user.disabled && 'opacity-50 grayscale')}
          />
          <div className="min-w-0">
            <p className="flex items-center gap-2 truncate font-medium text-ink">
              <span className="truncate">{user.name}</span>
              {isMe ? <span className="text-xs font-normal text-ink-subtle">(you)</span> : null}
            </p>
            <p className="truncate text-ink-muted">{user.email}</p>
          </div>
        </div>
      </td>
      <td className="md:px-3 md:py-3.5 max-md:col-span-2 max-md:flex max-md:items-center max-md:gap-2">
        <span className="text-xs text-ink-muted md:hidden" aria-hidden="true">
          Role
        </span>
        <select
          aria-label={`Role for ${user.name}`}
          aria-invalid={roleError ? true : undefined}
          aria-describedby={roleError ? roleErrorId : undefined}
          value={role}
          disabled={isMe || changeRole.isPending}
          title={isMe ? 'Another administrator must change your role.' : undefined}
          onChange={(event) => changeRole.mutate(event.target.value as User['role'])}
          className="h-8 rounded-lg border border-line-strong bg-surface px-2 text-sm text-ink disabled:cursor-not-allowed disabled:opacity-70"
        >
          <option value="user">Member</option>
          <option value="admin">Administrator</option>
        </select>
        {roleError ? (
          <p id={roleErrorId} role="alert" className="mt-1 text-xs font-medium text-bad">
            {roleError}
          </p>
        ) : null}
      </td>
      <td className="md:px-3 md:py-3.5 max-md:flex max-md:items-center">
        {user.disabled ? (
          <StatusBadge tone="bad">Disabled</StatusBadge>
        ) : user.passwordChangeRequired ? (
          <span title="They signed in with a temporary password, or have yet to: they choose their own first.">
            <StatusBadge tone="warn">Temporary password</StatusBadge>
          </span>
        ) : (
          <StatusBadge tone="ok">Active</StatusBadge>
        )}
      </td>
      <td className="whitespace-nowrap text-ink-muted md:px-3 md:py-3.5 max-md:flex max-md:items-center max-md:justify-end max-md:text-xs">
        <span className="md:hidden">Joined&nbsp;</span>
        <time dateTime={user.createdAt}>{formatDate(user.createdAt)}</time>
      </td>
      <td className="text-right md:px-6 md:py-3.5 max-md:col-span-2">
        {isMe ? null : (
          <div className="flex justify-end gap-2 max-md:grid max-md:grid-cols-2">
            {user.disabled ? null : (
              <button
                type="button"
                className="btn-secondary h-8 px-3"
                onClick={onResetLink}
                aria-label={`Password reset link for ${user.name}`}
              >
                <KeyRound className="size-3.5" aria-hidden="true" />
                Reset link
              </button>
            )}
            <button
              type="button"
              className={clsx('btn-secondary h-8 px-3', !user.disabled && 'text-bad')}
              onClick={onToggleDisabled}
              aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.name}`}
            >
              {user.disabled ? 'Enable' : 'Disable'}
            </button>
          </div>
        )}
      </td>
    </tr>
  );
}

function DisableDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  // Remember the last user so the text stays put while the dialog fades out.
  const shown = useRef<User | null>(null);
  if (user) shown.current = user;
  const target = user ?? shown.current;
  const disabling = target ? !target.disabled : true;

  const toggle = useMutation({
    mutationFn: async ({ id, disabled }: { id: string; disabled: boolean }) =>
      (await lumina.PATCH('/api/admin/users/{id}', { params: { path: { id } }, body: { disabled } })).data!
        .user,
    onSuccess: () => close(),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ADMIN_USERS_QUERY_KEY }),
  });
  function close() {
    toggle.reset();
    onClose();
  }

  return (
    <ConfirmDialog
      open={user !== null}
      onOpenChange={(open) => (open ? undefined : close())}
      title={
        disabling ? `Disable ${target?.name ?? 'this account'}?` : `Enable ${target?.name ?? 'this account'}?`
      }
      description={
        disabling
          ? 'They are signed out everywhere at once and can’t sign in, and their API tokens stop working. Their data is kept; you can enable the account again later.'
          : 'They can sign in again with their password. Their earlier sessions stay signed out.'
      }
      confirmLabel={disabling ? 'Disable account' : 'Enable account'}
      pendingLabel={disabling ? 'Disabling…' : 'Enabling…'}
      tone={disabling ? 'danger' : 'primary'}
      pending={toggle.isPending}
      error={toggle.isError ? friendlyMessage(toggle.error) : null}
      requestId={serverErrorRequestId(toggle.error)}
      onConfirm={() => target && toggle.mutate({ id: target.id, disabled: disabling })}
    />
  );
}

/**
 * Makes a one-time password-reset link for a user and shows it, once, to copy. The link carries
 * its secret in the fragment (`#token=`), which browsers never send to a server.
 */
function ResetLinkDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const lumina = useLuminaClient();
  const shown = useRef<User | null>(null);
  if (user) shown.current = user;
  const target = user ?? shown.current;
  const issue = useMutation({
    mutationFn: async (id: string) =>
      (await lumina.POST('/api/admin/users/{id}/password-reset', { params: { path: { id } } })).data!,
  });
  function close() {
    issue.reset();
    onClose();
  }
  const link = issue.data ? new URL(issue.data.path, window.location.origin).toString() : null;

  return (
    <Dialog
      open={user !== null}
      onOpenChange={(open) => (open ? undefined : close())}
      title={`Password reset link for ${target?.name ?? 'this user'}`}
      description={
        link
          ? 'Send this link to them privately (chat, in person). It is shown only now.'
          : 'A link that lets them set a new password, without e-mail. It works once, and any link made for them before stops working.'
      }
      size="md"
      locked={issue.isPending}
      closeOnOutsideClick={!link}
    >
      <div className="flex flex-col gap-5">
        {link && issue.data ? (
          <>
            <div className="flex items-center gap-2">
              <input
                readOnly
                aria-label="Reset link"
                value={link}
                onFocus={(event) => event.currentTarget.select()}
                className="h-10 min-w-0 flex-1 rounded-lg border border-line-strong bg-surface-sunken px-3 font-mono text-xs text-ink"
              />
              <CopyButton text={link} label="Copy link" variant="button" />
            </div>
            <p className="text-sm text-ink-muted">
              Valid until <time dateTime={issue.data.expiresAt}>{formatDateTime(issue.data.expiresAt)}</time>.
              Using it signs {target?.name ?? 'them'} out on every device.
            </p>
          </>
        ) : null}
        {issue.isError ? (
          <FormAlert requestId={serverErrorRequestId(issue.error)}>{friendlyMessage(issue.error)}</FormAlert>
        ) : null}
        <DialogActions>
          {link ? (
            <button type="button" className="btn-primary" onClick={close}>
              Done
            </button>
          ) : (
            <>
              <button type="button" className="btn-secondary" onClick={close}>
                Cancel
              </button>
              <SubmitButton
                type="button"
                pending={issue.isPending}
                pendingLabel="Making link…"
                onClick={() => target && issue.mutate(target.id)}
              >
                Make link
              </SubmitButton>
            </>
          )}
        </DialogActions>
      </div>
    </Dialog>
  );
}

const EMPTY_ACCOUNT: AccountValues = { email: '', name: '', preferredName: '', password: '' };

function CreateUserDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const [values, setValues] = useState(EMPTY_ACCOUNT);
  const [errors, setErrors] = useState<FormErrors<SignupField>>({ fields: {}, form: null });
  const [attempt, setAttempt] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, attempt);

  const create = useMutation({
    mutationFn: async (input: AccountValues) =>
      (
        await lumina.POST('/api/admin/users', {
          body: {
            email: input.email.trim(),
            name: input.name.trim(),
            password: input.password,
            // They choose their own at first sign-in; the admin never knows their real password.
            temporaryPassword: true,
            ...(input.preferredName.trim() ? { preferredName: input.preferredName.trim() } : {}),
          },
        })
      ).data!.user,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ADMIN_USERS_QUERY_KEY });
      change(false);
    },
    onError: (error) => {
      setErrors(accountErrorsFrom(error));
      setAttempt((n) => n + 1);
    },
  });

  function change(next: boolean) {
    onOpenChange(next);
    if (!next) {
      setValues(EMPTY_ACCOUNT);
      setErrors({ fields: {}, form: null });
      create.reset();
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (create.isPending) return;
    const problems = accountProblems(values);
    setErrors({ fields: problems, form: null });
    if (Object.keys(problems).length > 0) {
      setAttempt((n) => n + 1);
      return;
    }
    create.mutate(values);
  }

  return (
    <Dialog
      open={open}
      onOpenChange={change}
      title="Create a user"
      description="Works even when sign-up is closed. The password you set is temporary: share it with them privately, and they choose their own the first time they sign in."
      size="md"
      locked={create.isPending}
    >
      <form ref={form} onSubmit={submit} noValidate className="flex flex-col gap-5">
        <AccountFields values={values} errors={errors.fields} onChange={setValues} forSomeoneElse />
        {errors.form ? <FormAlert requestId={errors.requestId}>{errors.form}</FormAlert> : null}
        <DialogActions>
          <button type="button" className="btn-secondary" onClick={() => change(false)}>
            Cancel
          </button>
          <SubmitButton pending={create.isPending} pendingLabel="Creating…">
            Create user
          </SubmitButton>
        </DialogActions>
      </form>
    </Dialog>
  );
}

function UsersSkeleton() {
  return (
    <div className="card divide-y divide-line" aria-busy="true">
      <p className="sr-only" role="status">
        Loading users…
      </p>
      {[0, 1, 2].map((key) => (
        <div key={key} className="flex items-center gap-4 px-5 py-4 sm:px-6">
          <Skeleton className="size-9 rounded-full" />
          <div className="flex flex-1 flex-col gap-2">
            <Skeleton className="h-4 w-40" />
            <Skeleton className="h-3.5 w-56" />
          </div>
        </div>
      ))}
    </div>
  );
}

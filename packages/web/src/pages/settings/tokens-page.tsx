import type { components } from '@lumina/sdk';
import { LuminaApiError } from '@lumina/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import clsx from 'clsx';
import { KeyRound, Plus, TriangleAlert } from 'lucide-react';
import { type FormEvent, useId, useRef, useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { CopyButton } from '../../components/copy-button';
import { Dialog, DialogActions } from '../../components/dialog';
import { ErrorPanel } from '../../components/error-panel';
import { FormAlert } from '../../components/form-alert';
import { FieldError, TextField } from '../../components/form-field';
import { PageHeader } from '../../components/page-header';
import { Skeleton } from '../../components/skeleton';
import { StatusBadge } from '../../components/status-badge';
import { SubmitButton } from '../../components/submit-button';
import { type FormErrors, formErrorsFrom, friendlyMessage, serverErrorRequestId } from '../../lib/api-errors';
import { useDocumentTitle } from '../../lib/document-title';
import { formatDate, formatRelativeTime } from '../../lib/format';
import { useLuminaClient } from '../../lib/lumina-client';
import { useSession } from '../../lib/session';
import { useFocusFirstInvalid } from '../../lib/use-focus-first-invalid';

type ApiToken = components['schemas']['ApiToken'];
type Scope = ApiToken['scopes'][number];

export const TOKENS_QUERY_KEY = ['tokens'] as const;

const SCOPES: { scope: Scope; label: string; description: string; adminOnly?: boolean }[] = [
  { scope: 'read', label: 'Read', description: 'See your avatars, conversations and settings.' },
  { scope: 'write', label: 'Write', description: 'Create, change and delete on your behalf.' },
  {
    scope: 'admin',
    label: 'Admin',
    description: 'Manage users and server settings.',
    adminOnly: true,
  },
];

/** /settings/tokens: personal API tokens for scripts and the CLI. */
export function TokensPage() {
  useDocumentTitle('API tokens');
  const lumina = useLuminaClient();
  const tokens = useQuery({
    queryKey: TOKENS_QUERY_KEY,
    queryFn: async ({ signal }): Promise<ApiToken[]> => {
      const { data } = await lumina.GET('/api/auth/tokens', { signal });
      return data?.tokens ?? [];
    },
  });
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  const createButton = (
    <button type="button" className="btn-primary" onClick={() => setCreating(true)}>
      <Plus className="size-4" aria-hidden="true" />
      Create token
    </button>
  );

  return (
    <>
      <PageHeader
        title="API tokens"
        description="Let scripts, the lumina CLI and other tools use Lumina as you, without your password."
        actions={tokens.data && tokens.data.length > 0 ? createButton : null}
      />
      {tokens.data ? (
        tokens.data.length > 0 ? (
          <section aria-label="Your tokens" className="card">
            <ul className="divide-y divide-line">
              {tokens.data.map((token) => (
                <TokenRow key={token.id} token={token} onRevoke={() => setRevoking(token)} />
              ))}
            </ul>
          </section>
        ) : (
          <EmptyState action={createButton} />
        )
      ) : tokens.isError ? (
        <ErrorPanel error={tokens.error} onRetry={() => tokens.refetch()} retryLabel="Retry" />
      ) : (
        <TokensSkeleton />
      )}
      <CreateTokenDialog open={creating} onOpenChange={setCreating} />
      <RevokeTokenDialog token={revoking} onClose={() => setRevoking(null)} />
    </>
  );
}

function curlExample(secret: string) {
  return `curl -H "Authorization: Bearer ${secret}" ${window.location.origin}/api/auth/me`;
}

function CodeLine({ code, copyLabel }: { code: string; copyLabel: string }) {
  return (
    <div className="flex items-start gap-2 rounded-lg border border-line bg-surface-sunken py-2 pr-2 pl-3">
      <code className="min-w-0 flex-1 py-0.5 font-mono text-[13px] leading-5 break-all text-ink">{code}</code>
      <CopyButton text={code} label={copyLabel} />
    </div>
  );
}

function EmptyState({ action }: { action: React.ReactNode }) {
  return (
    <section
      aria-labelledby="no-tokens-heading"
      className="card flex flex-col items-center px-5 py-10 text-center sm:px-10"
    >
      <span className="flex size-12 items-center justify-center rounded-full bg-accent-soft text-accent-soft-ink">
        <KeyRound className="size-6" aria-hidden="true" />
      </span>
      <h2 id="no-tokens-heading" className="mt-4 text-lg font-semibold text-ink">
        No API tokens yet
      </h2>
      <p className="mt-1.5 max-w-lg text-ink-muted">
        A token lets a script or tool call the Lumina API as you. Give each tool its own token with only the
        scopes it needs, and revoke it when you stop using it. Send it in the Authorization header:
      </p>
      <div className="mt-4 w-full max-w-xl text-left">
        <CodeLine code={curlExample('lum_…')} copyLabel="Copy example" />
      </div>
      <div className="mt-6">{action}</div>
    </section>
  );
}

function expiryText(token: ApiToken): { text: string; expired: boolean } {
  if (!token.expiresAt) return { text: 'Never expires', expired: false };
  const expired = Date.parse(token.expiresAt) <= Date.now();
  return {
    text: expired ? `Expired ${formatDate(token.expiresAt)}` : `Expires ${formatDate(token.expiresAt)}`,
    expired,
  };
}

function TokenRow({ token, onRevoke }: { token: ApiToken; onRevoke: () => void }) {
  const expiry = expiryText(token);
  return (
    <li className="flex flex-wrap items-center gap-x-4 gap-y-3 px-5 py-4 sm:flex-nowrap sm:px-6">
      <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-surface-sunken text-ink-muted">
        <KeyRound className="size-5" aria-hidden="true" />
      </span>
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-2">
          <h2 className="truncate font-medium text-ink">{token.name}</h2>
          <code className="rounded bg-surface-sunken px-1.5 py-0.5 font-mono text-xs text-ink-muted">
            {token.prefix}…
          </code>
          {expiry.expired ? <StatusBadge tone="bad">Expired</StatusBadge> : null}
        </div>
        <div className="mt-1 flex flex-wrap items-center gap-1.5">
          {token.scopes.map((scope) => (
            <span
              key={scope}
              className="rounded-full border border-line px-2 py-px text-xs font-medium text-ink-muted"
            >
              {scope}
            </span>
          ))}
        </div>
        <p className="mt-1 text-xs text-ink-subtle">
          Created {formatDate(token.createdAt)} ·{' '}
          {token.lastUsedAt ? `Last used ${formatRelativeTime(token.lastUsedAt)}` : 'Never used'} ·{' '}
          {expiry.text}
        </p>
      </div>
      <button
        type="button"
        className="btn-secondary max-sm:ml-14"
        onClick={onRevoke}
        aria-label={`Revoke token ${token.name}`}
      >
        Revoke
      </button>
    </li>
  );
}

const TOKEN_FIELDS = ['name', 'scopes', 'expiresAt'] as const;
type TokenField = (typeof TOKEN_FIELDS)[number];

/** Tomorrow as YYYY-MM-DD in local time: the earliest expiry a person can pick. */
function tomorrow(): string {
  const date = new Date();
  date.setDate(date.getDate() + 1);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** The end of the chosen local day, as an ISO timestamp. */
function endOfDay(day: string): string {
  return new Date(`${day}T23:59:59`).toISOString();
}

/** The create form, then (once) the new secret. The secret lives only in this dialog's state. */
export function CreateTokenDialog({
  open,
  onOpenChange,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<{ token: ApiToken; secret: string } | null>(null);
  function change(next: boolean) {
    onOpenChange(next);
    if (next) return;
    // Forget the secret the moment the dialog closes: it is never shown again.
    setCreated(null);
    // The person may have just tried the token: show its "last used".
    if (created) void queryClient.invalidateQueries({ queryKey: TOKENS_QUERY_KEY });
  }
  return (
    <Dialog
      open={open}
      onOpenChange={change}
      title={created ? 'Copy your new token' : 'Create an API token'}
      description={
        created ? undefined : 'Name it after the tool that will use it, so you know what to revoke later.'
      }
      size="md"
      closeOnOutsideClick={!created}
    >
      {created ? (
        <SecretReveal name={created.token.name} secret={created.secret} onDone={() => change(false)} />
      ) : (
        <CreateTokenForm onCreated={setCreated} onCancel={() => change(false)} />
      )}
    </Dialog>
  );
}

function CreateTokenForm({
  onCreated,
  onCancel,
}: {
  onCreated: (created: { token: ApiToken; secret: string }) => void;
  onCancel: () => void;
}) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const isAdmin = useSession().data?.role === 'admin';
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const [expiry, setExpiry] = useState('');
  const [errors, setErrors] = useState<FormErrors<TokenField>>({ fields: {}, form: null });
  const [attempt, setAttempt] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  const scopesErrorId = useId();
  useFocusFirstInvalid(form, attempt);

  const create = useMutation({
    mutationFn: async () => {
      const { data } = await lumina.POST('/api/auth/tokens', {
        body: { name: name.trim(), scopes, expiresAt: expiry ? endOfDay(expiry) : null },
      });
      return data!;
    },
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: TOKENS_QUERY_KEY });
      onCreated(created);
    },
    onError: (error) => {
      setErrors(
        formErrorsFrom(
          error,
          TOKEN_FIELDS,
          { scope_not_allowed: 'scopes' },
          { expiresAt: 'Pick a date in the future.' },
        ),
      );
      setAttempt((n) => n + 1);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (create.isPending) return;
    const fields: Partial<Record<TokenField, string>> = {};
    if (!name.trim()) fields.name = 'Give the token a name, e.g. “Backup script”.';
    if (scopes.length === 0) fields.scopes = 'Choose at least one scope.';
    if (expiry && expiry < tomorrow()) fields.expiresAt = 'Pick a date in the future.';
    setErrors({ fields, form: null });
    if (Object.keys(fields).length > 0) {
      setAttempt((n) => n + 1);
      return;
    }
    create.mutate();
  }

  function toggle(scope: Scope, checked: boolean) {
    setScopes((current) =>
      checked ? [...new Set([...current, scope])] : current.filter((s) => s !== scope),
    );
  }

  return (
    <form ref={form} onSubmit={submit} noValidate className="flex flex-col gap-5">
      <TextField
        label="Name"
        name="name"
        required
        maxLength={100}
        autoComplete="off"
        placeholder="e.g. Backup script"
        value={name}
        onChange={(event) => setName(event.target.value)}
        error={errors.fields.name}
      />
      <fieldset aria-describedby={errors.fields.scopes ? scopesErrorId : undefined}>
        <legend className="text-sm font-medium text-ink">Scopes</legend>
        <div className="mt-2 flex flex-col gap-2">
          {SCOPES.filter((s) => !s.adminOnly || isAdmin).map(({ scope, label, description }) => (
            <label
              key={scope}
              className={clsx(
                'flex cursor-pointer items-start gap-3 rounded-lg border px-3 py-2.5 transition-colors',
                scopes.includes(scope)
                  ? 'border-accent/60 bg-accent-soft/50'
                  : 'border-line hover:bg-surface-sunken',
              )}
            >
              <input
                type="checkbox"
                name="scopes"
                value={scope}
                checked={scopes.includes(scope)}
                onChange={(event) => toggle(scope, event.target.checked)}
                aria-invalid={errors.fields.scopes ? true : undefined}
                className="mt-1 size-4 shrink-0 accent-accent"
              />
              <span>
                <span className="block text-sm font-medium text-ink">{label}</span>
                <span className="block text-[13px] text-ink-muted">{description}</span>
              </span>
            </label>
          ))}
        </div>
        {errors.fields.scopes ? (
          <div className="mt-1.5">
            <FieldError id={scopesErrorId}>{errors.fields.scopes}</FieldError>
          </div>
        ) : null}
      </fieldset>
      <TextField
        label="Expires on"
        name="expiresAt"
        type="date"
        min={tomorrow()}
        value={expiry}
        onChange={(event) => setExpiry(event.target.value)}
        error={errors.fields.expiresAt}
        hint="Leave empty for a token that works until you revoke it."
        className="sm:max-w-60"
      />
      {errors.form ? <FormAlert requestId={errors.requestId}>{errors.form}</FormAlert> : null}
      <DialogActions>
        <button type="button" className="btn-secondary" onClick={onCancel}>
          Cancel
        </button>
        <SubmitButton pending={create.isPending} pendingLabel="Creating…">
          Create token
        </SubmitButton>
      </DialogActions>
    </form>
  );
}

function SecretReveal({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  return (
    <div className="flex flex-col gap-4">
      <div
        role="alert"
        className="flex gap-2.5 rounded-lg border border-warn/30 bg-warn-soft px-3.5 py-3 text-sm text-ink"
      >
        <TriangleAlert className="mt-0.5 size-4 shrink-0 text-warn" aria-hidden="true" />
        <p>
          <strong className="font-semibold">This is the only time you’ll see this token.</strong> Copy it now
          and keep it somewhere safe, like a password manager. If you lose it, revoke it and create a new one.
        </p>
      </div>
      <div>
        <p className="mb-1.5 text-sm font-medium text-ink">
          Token for <span className="break-all">{name}</span>
        </p>
        <div className="flex items-center gap-2 rounded-lg border border-line-strong bg-surface-sunken py-1.5 pr-1.5 pl-3">
          <code
            data-testid="token-secret"
            className="min-w-0 flex-1 font-mono text-[13px] break-all text-ink"
          >
            {secret}
          </code>
          <CopyButton text={secret} label="Copy" variant="button" />
        </div>
      </div>
      <div>
        <p className="mb-1.5 text-sm text-ink-muted">Try it:</p>
        <CodeLine code={curlExample(secret)} copyLabel="Copy command" />
      </div>
      <DialogActions>
        <button type="button" className="btn-primary" onClick={onDone}>
          I’ve copied it
        </button>
      </DialogActions>
    </div>
  );
}

function RevokeTokenDialog({ token, onClose }: { token: ApiToken | null; onClose: () => void }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: async (id: string) => {
      await lumina.DELETE('/api/auth/tokens/{id}', { params: { path: { id } } });
    },
    onSuccess: () => close(),
    onError: (error) => {
      if (error instanceof LuminaApiError && error.status === 404) close();
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: TOKENS_QUERY_KEY }),
  });
  function close() {
    revoke.reset();
    onClose();
  }
  return (
    <ConfirmDialog
      open={token !== null}
      onOpenChange={(open) => (open ? undefined : close())}
      title="Revoke this token?"
      description={
        <>
          Anything using <strong className="font-medium text-ink">{token?.name}</strong> will stop working at
          once. This can’t be undone.
        </>
      }
      confirmLabel="Revoke token"
      pendingLabel="Revoking…"
      pending={revoke.isPending}
      error={revoke.isError ? friendlyMessage(revoke.error) : null}
      requestId={serverErrorRequestId(revoke.error)}
      onConfirm={() => token && revoke.mutate(token.id)}
    />
  );
}

function TokensSkeleton() {
  return (
    <div className="card divide-y divide-line" aria-busy="true">
      <p className="sr-only" role="status">
        Loading tokens…
      </p>
      {[0, 1].map((key) => (
        <div key={key} className="flex items-center gap-4 px-5 py-4 sm:px-6">
          <Skeleton className="size-10 rounded-lg" />
          <div className="flex flex-1 flex-col gap-2">
            <Skeleton className="h-4 w-40" />
            <Skeleton className="h-3.5 w-56" />
          </div>
        </div>
      ))}
    </div>
  );
}

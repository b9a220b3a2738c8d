import { useMutation, useQueryClient } from '@tanstack/react-query';
import clsx from 'clsx';
import { ChevronDown } from 'lucide-react';
import { type FormEvent, useId, useRef, useState } from 'react';
import { type FormErrors, formErrorsFrom } from '../../lib/api-errors';
import { useLuminaClient } from '../../lib/lumina-client';
import { invalidateModelData, type Provider } from '../../lib/models';
import {
  kindLabel,
  PROVIDER_PRESETS,
  type ProviderPreset,
  presetById,
  presetFor,
} from '../../lib/provider-presets';
import { useFocusFirstInvalid } from '../../lib/use-focus-first-invalid';
import { Dialog, DialogActions } from '../dialog';
import { FormAlert } from '../form-alert';
import { FieldError, inputClass, TextField } from '../form-field';
import { PasswordField } from '../password-field';
import { SubmitButton } from '../submit-button';

const FIELDS = ['kind', 'name', 'baseUrl', 'apiKey'] as const;
type Field = (typeof FIELDS)[number];

interface ProviderDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Edit this provider; without it, the dialog adds a new one. */
  provider?: Provider | null;
  /** The kind the add form starts with (a preset id: "ollama", "openai", …). */
  initialPreset?: string;
  /** Called with the saved provider (its health already checked) before the dialog closes. */
  onSaved?: (provider: Provider) => void;
}

/** Add a provider (kind, name, address, key) or change one of your own. */
export function ProviderDialog({
  open,
  onOpenChange,
  provider,
  initialPreset,
  onSaved,
}: ProviderDialogProps) {
  const editing = Boolean(provider);
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title={editing ? `Edit ${provider?.name}` : 'Add a provider'}
      description={
        editing
          ? 'Change its name, address or key. Lumina checks it again when you save.'
          : 'Connect a model server on your machine, or a cloud service with your API key. Keys are stored encrypted and never shown again.'
      }
      size="md"
    >
      <ProviderForm
        provider={provider ?? null}
        initialPreset={initialPreset ?? 'ollama'}
        onCancel={() => onOpenChange(false)}
        onSaved={(saved) => {
          onSaved?.(saved);
          onOpenChange(false);
        }}
      />
    </Dialog>
  );
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function ProviderForm({
  provider,
  initialPreset,
  onCancel,
  onSaved,
}: {
  provider: Provider | null;
  initialPreset: string;
  onCancel: () => void;
  onSaved: (provider: Provider) => void;
}) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const [preset, setPreset] = useState<ProviderPreset>(() =>
    provider ? presetFor(provider) : presetById(initialPreset),
  );
  const [name, setName] = useState(provider?.name ?? preset.name);
  const [nameTouched, setNameTouched] = useState(Boolean(provider));
  const [baseUrl, setBaseUrl] = useState(provider ? (provider.baseUrl ?? '') : preset.baseUrl);
  const [apiKey, setApiKey] = useState('');
  const [removeKey, setRemoveKey] = useState(false);
  const [errors, setErrors] = useState<FormErrors<Field>>({ fields: {}, form: null });
  const [attempt, setAttempt] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  const kindId = useId();
  useFocusFirstInvalid(form, attempt);

  const keyRequired = preset.key === 'required' && !(provider?.hasKey && !removeKey);

  const save = useMutation({
    mutationFn: async (): Promise<Provider> => {
      const url = baseUrl.trim() || null;
      const key = apiKey.trim() || null;
      if (provider) {
        const { data } = await lumina.PATCH('/api/providers/{id}', {
          params: { path: { id: provider.id } },
          body: {
            name: name.trim(),
            baseUrl: url,
            ...(key ? { apiKey: key } : removeKey ? { apiKey: null } : {}),
          },
        });
        return data!.provider;
      }
      const { data } = await lumina.POST('/api/providers', {
        body: {
          kind: preset.kind,
          name: name.trim(),
          ...(url ? { baseUrl: url } : {}),
          ...(key && preset.key !== 'none' ? { apiKey: key } : {}),
        },
      });
      return data!.provider;
    },
    onSuccess: async (saved) => {
      await invalidateModelData(queryClient);
      onSaved(saved);
    },
    onError: (error) => {
      // An address the server will not connect to is a problem of the address field.
      setErrors(
        formErrorsFrom(error, FIELDS, {
          outbound_address_blocked: 'baseUrl',
          outbound_url_refused: 'baseUrl',
        }),
      );
      setAttempt((n) => n + 1);
    },
  });

  function choosePreset(id: string) {
    const next = presetById(id);
    setPreset(next);
    setBaseUrl(next.baseUrl);
    if (!nameTouched) setName(next.name);
    setErrors({ fields: {}, form: null });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (save.isPending) return;
    const fields: Partial<Record<Field, string>> = {};
    if (!name.trim()) fields.name = 'Give it a name you will recognise, e.g. “Work OpenAI”.';
    const url = baseUrl.trim();
    if (preset.url === 'required' && !url) fields.baseUrl = 'Enter the server’s address.';
    else if (url && !isHttpUrl(url))
      fields.baseUrl = 'Enter a full address starting with http:// or https://.';
    if (keyRequired && !apiKey.trim()) fields.apiKey = `Paste your ${preset.label} API key.`;
    setErrors({ fields, form: null });
    if (Object.keys(fields).length > 0) {
      setAttempt((n) => n + 1);
      return;
    }
    save.mutate();
  }

  const locals = PROVIDER_PRESETS.filter((p) => p.group === 'local');
  const clouds = PROVIDER_PRESETS.filter((p) => p.group === 'cloud');

  return (
    <form ref={form} onSubmit={submit} noValidate className="flex flex-col gap-5">
      {provider ? (
        <p className="text-sm text-ink-muted">
          Kind: <span className="font-medium text-ink">{kindLabel(provider.kind)}</span>
        </p>
      ) : (
        <div className="flex flex-col gap-1.5">
          <label htmlFor={kindId} className="text-sm font-medium text-ink">
            Kind
          </label>
          <div className="relative">
            <select
              id={kindId}
              name="kind"
              value={preset.id}
              onChange={(event) => choosePreset(event.target.value)}
              aria-describedby={`${kindId}-help`}
              className={clsx(inputClass, 'appearance-none pr-10')}
            >
              <optgroup label="On this computer or your network">
                {locals.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
              </optgroup>
              <optgroup label="Cloud services (API key)">
                {clouds.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
              </optgroup>
            </select>
            <ChevronDown
              className="pointer-events-none absolute top-1/2 right-3 size-4 -translate-y-1/2 text-ink-subtle"
              aria-hidden="true"
            />
          </div>
          <p id={`${kindId}-help`} className="text-[13px] leading-5 text-ink-muted">
            {preset.help}
          </p>
          {errors.fields.kind ? <FieldError id={`${kindId}-error`}>{errors.fields.kind}</FieldError> : null}
        </div>
      )}
      <TextField
        label="Name"
        name="name"
        required
        maxLength={100}
        autoComplete="off"
        placeholder="e.g. Work OpenAI"
        value={name}
        onChange={(event) => {
          setName(event.target.value);
          setNameTouched(true);
        }}
        error={errors.fields.name}
      />
      <TextField
        label="Base URL"
        name="baseUrl"
        type="url"
        inputMode="url"
        required={preset.url === 'required'}
        autoComplete="off"
        spellCheck={false}
        placeholder={
          preset.url === 'required'
            ? preset.baseUrl || 'http://127.0.0.1:8000/v1'
            : `${preset.label}’s own address`
        }
        value={baseUrl}
        onChange={(event) => setBaseUrl(event.target.value)}
        error={errors.fields.baseUrl}
        hint={
          preset.url === 'optional'
            ? 'Leave empty to use the official address. Set it only to go through a proxy.'
            : preset.group === 'local'
              ? 'Where the server answers. Addresses on this computer or your network keep your data local.'
              : undefined
        }
      />
      {preset.key !== 'none' ? (
        <div className="flex flex-col gap-2">
          <PasswordField
            label="API key"
            name="apiKey"
            subject="API key"
            required={keyRequired}
            autoComplete="off"
            placeholder={
              provider?.hasKey && !removeKey
                ? 'Saved — leave empty to keep it'
                : (preset.keyPlaceholder ?? '')
            }
            value={apiKey}
            disabled={removeKey}
            onChange={(event) => setApiKey(event.target.value)}
            error={errors.fields.apiKey}
            hint={
              preset.keyHelp ??
              (preset.key === 'optional' ? 'Only if the server was started with a key.' : undefined)
            }
          />
          {provider?.hasKey && preset.key === 'optional' ? (
            <label className="flex items-center gap-2 text-sm text-ink">
              <input
                type="checkbox"
                checked={removeKey}
                onChange={(event) => {
                  setRemoveKey(event.target.checked);
                  if (event.target.checked) setApiKey('');
                }}
                className="size-4 accent-accent"
              />
              Remove the saved key
            </label>
          ) : null}
        </div>
      ) : null}
      {errors.form ? <FormAlert requestId={errors.requestId}>{errors.form}</FormAlert> : null}
      <DialogActions>
        <button type="button" className="btn-secondary" onClick={onCancel} disabled={save.isPending}>
          Cancel
        </button>
        <SubmitButton pending={save.isPending} pendingLabel="Checking connection…">
          {provider ? 'Save and check' : 'Add provider'}
        </SubmitButton>
      </DialogActions>
    </form>
  );
}

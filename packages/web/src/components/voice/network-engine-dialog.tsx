import { type components, LuminaApiError } from '@lumina/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { type FormErrors, formErrorsFrom } from '../../lib/api-errors';
import { useLuminaClient } from '../../lib/lumina-client';
import { useFocusFirstInvalid } from '../../lib/use-focus-first-invalid';
import { VOICE_ENGINES_KEY } from '../../lib/voice/voice-api';
import { SelectField } from '../avatars/fields';
import { Dialog, DialogActions } from '../dialog';
import { FormAlert } from '../form-alert';
import { TextField } from '../form-field';
import { PasswordField } from '../password-field';
import { SubmitButton } from '../submit-button';

/** An OpenAI-compatible transcription or speech endpoint an admin configured (docs/voice.md). */
export type NetworkEngine = components['schemas']['VoiceNetworkEngine'];

export const NETWORK_ENGINES_KEY = ['voice', 'network-engines'] as const;

const FIELDS = ['kind', 'name', 'baseUrl', 'apiKey', 'model', 'voices'] as const;
type Field = (typeof FIELDS)[number];

const DEFAULT_MODEL = { stt: 'whisper-1', tts: 'tts-1' } as const;
const BLOCKED_ADDRESS =
  'The server may not connect to this address: it is on this computer or a private network, and its operator has not allowed it in LUMINA_OUTBOUND_ALLOW.';
const DEFAULT_VOICES = 'alloy, ash, coral, echo, fable, nova, onyx, sage, shimmer';

interface NetworkEngineDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Edit this endpoint; without it, the dialog adds a new one. */
  engine?: NetworkEngine | null;
  onSaved?: (engine: NetworkEngine) => void;
}

/** Add an OpenAI-compatible voice endpoint (kind, name, address, key, model, voices) or change one. */
export function NetworkEngineDialog({ open, onOpenChange, engine, onSaved }: NetworkEngineDialogProps) {
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title={engine ? `Edit ${engine.name}` : 'Add a network engine'}
      description={
        engine
          ? 'Change its name, address, key, model or voices. Lumina checks it again when you save.'
          : 'An OpenAI-compatible speech service: whisper.cpp’s server on your network, or a cloud API. Keys are stored encrypted and never shown again.'
      }
      size="md"
    >
      {/* Keyed so that each opening starts from the engine's saved values. */}
      <NetworkEngineForm
        key={engine?.id ?? 'new'}
        engine={engine ?? null}
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

function voiceList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((voice) => voice.trim())
    .filter(Boolean);
}

function NetworkEngineForm({
  engine,
  onCancel,
  onSaved,
}: {
  engine: NetworkEngine | null;
  onCancel: () => void;
  onSaved: (engine: NetworkEngine) => void;
}) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<'stt' | 'tts'>(engine?.kind ?? 'stt');
  const [name, setName] = useState(engine?.name ?? '');
  const [baseUrl, setBaseUrl] = useState(engine?.baseUrl ?? '');
  const [apiKey, setApiKey] = useState('');
  const [removeKey, setRemoveKey] = useState(false);
  const [model, setModel] = useState(engine?.model ?? '');
  const [voices, setVoices] = useState(engine ? engine.voices.join(', ') : '');
  const [useByDefault, setUseByDefault] = useState(engine?.useByDefault ?? false);
  const [errors, setErrors] = useState<FormErrors<Field>>({ fields: {}, form: null });
  const [attempt, setAttempt] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, attempt);
  const hasKey = engine?.apiKey === 'set';

  const save = useMutation({
    mutationFn: async (): Promise<NetworkEngine> => {
      const key = apiKey.trim();
      const chosenVoices = kind === 'tts' && voices.trim() ? { voices: voiceList(voices) } : {};
      const chosenModel = model.trim() ? { model: model.trim() } : {};
      if (engine) {
        const { data } = await lumina.PATCH('/api/admin/voice/network-engines/{id}', {
          params: { path: { id: engine.id } },
          body: {
            name: name.trim(),
            baseUrl: baseUrl.trim(),
            ...chosenModel,
            ...chosenVoices,
            useByDefault,
            ...(key ? { apiKey: key } : removeKey ? { apiKey: null } : {}),
          },
        });
        return data!.engine;
      }
      const { data } = await lumina.POST('/api/admin/voice/network-engines', {
        body: {
          kind,
          name: name.trim(),
          baseUrl: baseUrl.trim(),
          ...chosenModel,
          ...chosenVoices,
          ...(useByDefault ? { useByDefault } : {}),
          ...(key ? { apiKey: key } : {}),
        },
      });
      return data!.engine;
    },
    onSuccess: async (saved) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: NETWORK_ENGINES_KEY }),
        queryClient.invalidateQueries({ queryKey: VOICE_ENGINES_KEY }),
      ]);
      onSaved(saved);
    },
    onError: (error) => {
      // An address the server will not connect to is a problem of the address field. For these
      // engines even administrators need the operator's allow-list, which the general message
      // (about providers) does not say.
      setErrors(
        error instanceof LuminaApiError && error.code === 'outbound_address_blocked'
          ? { fields: { baseUrl: BLOCKED_ADDRESS }, form: null }
          : formErrorsFrom(error, FIELDS, { outbound_url_refused: 'baseUrl' }),
      );
      setAttempt((n) => n + 1);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (save.isPending) return;
    const fields: Partial<Record<Field, string>> = {};
    if (!name.trim()) fields.name = 'Give it a name you will recognise, e.g. “whisper.cpp on the NAS”.';
    if (!baseUrl.trim()) fields.baseUrl = 'Enter the service’s address, up to /v1.';
    else if (!isHttpUrl(baseUrl.trim()))
      fields.baseUrl = 'Enter a full address starting with http:// or https://.';
    if (kind === 'tts' && engine && !voices.trim()) fields.voices = 'Name at least one voice.';
    setErrors({ fields, form: null });
    if (Object.keys(fields).length > 0) {
      setAttempt((n) => n + 1);
      return;
    }
    save.mutate();
  }

  return (
    <form ref={form} onSubmit={submit} noValidate className="flex flex-col gap-5">
      {engine ? (
        <p className="text-sm text-ink-muted">
          Kind: <span className="font-medium text-ink">{KIND_LABELS[engine.kind]}</span>
        </p>
      ) : (
        <SelectField
          label="Kind"
          name="kind"
          value={kind}
          onChange={(event) => setKind(event.target.value as 'stt' | 'tts')}
          hint={
            kind === 'stt'
              ? 'POST /v1/audio/transcriptions — for whisper.cpp’s server start it with --inference-path /v1/audio/transcriptions.'
              : 'POST /v1/audio/speech — Lumina asks for WAV audio.'
          }
        >
          <option value="stt">{KIND_LABELS.stt}</option>
          <option value="tts">{KIND_LABELS.tts}</option>
        </SelectField>
      )}
      <TextField
        label="Name"
        name="name"
        required
        maxLength={100}
        autoComplete="off"
        placeholder={kind === 'stt' ? 'e.g. whisper.cpp on the NAS' : 'e.g. OpenAI voices'}
        value={name}
        onChange={(event) => setName(event.target.value)}
        error={errors.fields.name}
      />
      <TextField
        label="Base URL"
        name="baseUrl"
        type="url"
        inputMode="url"
        required
        autoComplete="off"
        spellCheck={false}
        placeholder="http://127.0.0.1:8080/v1"
        value={baseUrl}
        onChange={(event) => setBaseUrl(event.target.value)}
        error={errors.fields.baseUrl}
        hint="Up to /v1. Addresses on this computer or your network must be allowed by the server’s LUMINA_OUTBOUND_ALLOW."
      />
      <div className="flex flex-col gap-2">
        <PasswordField
          label="API key"
          name="apiKey"
          subject="API key"
          autoComplete="off"
          placeholder={hasKey && !removeKey ? 'Saved — leave empty to keep it' : 'Optional'}
          value={apiKey}
          disabled={removeKey}
          onChange={(event) => setApiKey(event.target.value)}
          error={errors.fields.apiKey}
          hint="Sent as a Bearer token. Leave empty for a local server without a key."
        />
        {hasKey ? (
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
      <TextField
        label="Model"
        name="model"
        maxLength={100}
        autoComplete="off"
        spellCheck={false}
        placeholder={DEFAULT_MODEL[kind]}
        value={model}
        onChange={(event) => setModel(event.target.value)}
        error={errors.fields.model}
        hint={`Leave empty for ${DEFAULT_MODEL[kind]}.${kind === 'stt' ? ' whisper.cpp ignores it.' : ''}`}
      />
      {kind === 'tts' ? (
        <TextField
          label="Voices"
          name="voices"
          autoComplete="off"
          spellCheck={false}
          placeholder={DEFAULT_VOICES}
          value={voices}
          onChange={(event) => setVoices(event.target.value)}
          error={errors.fields.voices}
          hint={
            engine
              ? 'The voice names the service offers, separated by commas; the first is the default.'
              : 'Separated by commas; the first is the default. Leave empty for OpenAI’s voices.'
          }
        />
      ) : null}
      <label className="flex items-start gap-2.5 text-sm text-ink">
        <input
          type="checkbox"
          name="useByDefault"
          checked={useByDefault}
          onChange={(event) => setUseByDefault(event.target.checked)}
          className="mt-0.5 size-4 shrink-0 accent-accent"
        />
        <span>
          Use by default
          <span className="block text-[13px] leading-5 text-ink-muted">
            {kind === 'stt'
              ? 'Every call transcribes with it while it is ready, instead of the engines found on this server.'
              : 'Avatars that have no voice engine chosen speak with it while it is ready.'}{' '}
            One engine of each kind can be the default.
          </span>
        </span>
      </label>
      {errors.form ? <FormAlert requestId={errors.requestId}>{errors.form}</FormAlert> : null}
      <DialogActions>
        <button type="button" className="btn-secondary" onClick={onCancel} disabled={save.isPending}>
          Cancel
        </button>
        <SubmitButton pending={save.isPending} pendingLabel="Checking connection…">
          {engine ? 'Save and check' : 'Add engine'}
        </SubmitButton>
      </DialogActions>
    </form>
  );
}

export const KIND_LABELS = { stt: 'Speech to text', tts: 'Text to speech' } as const;

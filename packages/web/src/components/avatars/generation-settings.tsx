import * as Slider from '@radix-ui/react-slider';
import clsx from 'clsx';
import { BookmarkPlus, RotateCcw } from 'lucide-react';
import { type FormEvent, useId, useState } from 'react';
import { friendlyMessage } from '../../lib/api-errors';
import type { Avatar } from '../../lib/avatars';
import {
  type GenerationSettingKey,
  type GenerationSettings,
  MAX_STOP_STRING_CHARS,
  MAX_STOP_STRINGS,
  SETTING_SPECS,
  type SettingSpec,
  useCreatePreset,
  usePresets,
  withoutSetting,
} from '../../lib/generation-presets';
import { useDefaultModel, useModels } from '../../lib/models';
import { Dialog, DialogActions } from '../dialog';
import { FormAlert } from '../form-alert';
import { inputClass } from '../form-field';
import { Spinner } from '../submit-button';
import { ChipInput } from './fields';

/**
 * The generation settings a model takes: the chosen model's (`GET /api/models` lists them per
 * model), or all while that is not known. Null model id: the person's default model.
 */
export function useSupportedSettings(modelId: string | null | undefined): {
  supported: readonly GenerationSettingKey[] | null;
  modelName: string | null;
} {
  const models = useModels();
  const fallback = useDefaultModel();
  const id = modelId ?? fallback.data?.id ?? null;
  const model = id ? models.data?.find((m) => m.id === id) : undefined;
  return { supported: model?.settings ?? null, modelName: model?.name ?? null };
}

/**
 * Sliders (number boxes for the reply length and the seed) for each setting the model takes, each
 * with "Reset to default"; a setting left unset shows what applies instead (`inherited`: the
 * preset's or the avatar's value), else "Default" (the provider's).
 */
export function GenerationFields({
  settings,
  inherited = {},
  supported,
  readOnly,
  onChange,
}: {
  settings: GenerationSettings;
  inherited?: GenerationSettings;
  /** Null: every setting (the model is not known). */
  supported: readonly GenerationSettingKey[] | null;
  readOnly?: boolean;
  onChange: (settings: GenerationSettings) => void;
}) {
  const shown = (key: GenerationSettingKey) => !supported || supported.includes(key);
  return (
    <div className="flex flex-col gap-5">
      {SETTING_SPECS.filter((spec) => shown(spec.key)).map((spec) => (
        <SettingRow
          key={spec.key}
          spec={spec}
          value={settings[spec.key]}
          inherited={inherited[spec.key]}
          readOnly={readOnly}
          onChange={(value) =>
            onChange(
              value === undefined ? withoutSetting(settings, spec.key) : { ...settings, [spec.key]: value },
            )
          }
        />
      ))}
      {shown('stop') ? (
        <ChipInput
          label="Stop strings"
          values={settings.stop ?? []}
          max={MAX_STOP_STRINGS}
          maxLength={MAX_STOP_STRING_CHARS}
          readOnly={readOnly}
          splitsOnComma={() => false}
          mono
          placeholder={inherited.stop?.length ? inherited.stop.join('  ') : 'e.g. ###'}
          hint={`The reply ends where one appears (up to ${MAX_STOP_STRINGS}; Enter adds one).`}
          onChange={(stop) =>
            onChange(stop.length ? { ...settings, stop } : withoutSetting(settings, 'stop'))
          }
        />
      ) : null}
    </div>
  );
}

function SettingRow({
  spec,
  value,
  inherited,
  readOnly,
  onChange,
}: {
  spec: SettingSpec;
  value: number | undefined;
  inherited: number | undefined;
  readOnly?: boolean | undefined;
  onChange: (value: number | undefined) => void;
}) {
  const labelId = useId();
  const helpId = useId();
  const set = value !== undefined;
  const fallbackText = inherited !== undefined ? `${inherited} (inherited)` : 'Default';
  return (
    <div className="flex flex-col gap-1.5" data-testid={`setting-${spec.key}`}>
      <div className="flex items-center justify-between gap-3">
        <span id={labelId} className="text-sm font-medium text-ink">
          {spec.label}
        </span>
        <div className="flex items-center gap-1.5">
          {spec.input ? null : (
            <span
              className={clsx(
                'shrink-0 rounded-md px-1.5 py-0.5 text-xs tabular-nums',
                set ? 'bg-accent-soft text-accent-soft-ink' : 'bg-surface-sunken text-ink-muted',
              )}
            >
              {set ? value : fallbackText}
            </span>
          )}
          {set && !readOnly ? (
            <button
              type="button"
              onClick={() => onChange(undefined)}
              className="inline-flex size-7 items-center justify-center rounded-md text-ink-muted hover:bg-surface-sunken hover:text-ink focus-visible:outline-2 focus-visible:outline-ring"
              aria-label={`Reset ${spec.label} to default`}
              title="Reset to default"
            >
              <RotateCcw className="size-3.5" aria-hidden="true" />
            </button>
          ) : null}
        </div>
      </div>
      {spec.input ? (
        <input
          type="number"
          inputMode="numeric"
          aria-labelledby={labelId}
          aria-describedby={helpId}
          min={spec.min}
          max={spec.max}
          step={spec.step}
          disabled={readOnly}
          value={value ?? ''}
          placeholder={fallbackText}
          onChange={(event) => {
            const text = event.target.value;
            const number = Number(text);
            if (text === '') onChange(undefined);
            else if (Number.isInteger(number) && number >= spec.min && number <= spec.max) onChange(number);
          }}
          className="h-10 w-full rounded-lg border border-line bg-surface px-3 text-sm text-ink tabular-nums placeholder:text-ink-muted focus-visible:outline-2 focus-visible:outline-ring disabled:opacity-70 sm:w-48"
        />
      ) : (
        <Slider.Root
          value={[value ?? inherited ?? defaultPosition(spec)]}
          onValueChange={([next]) => (next === undefined ? undefined : onChange(round(next, spec.step)))}
          min={spec.min}
          max={spec.max}
          step={spec.step}
          disabled={readOnly}
          className={clsx(
            'relative flex h-6 w-full touch-none items-center select-none',
            readOnly ? 'cursor-not-allowed opacity-70' : 'cursor-pointer',
            !set && 'opacity-60',
          )}
        >
          <Slider.Track className="relative h-1.5 grow overflow-hidden rounded-full bg-surface-sunken ring-1 ring-line ring-inset">
            <Slider.Range className={clsx('absolute h-full rounded-full', set ? 'bg-accent' : 'bg-line')} />
          </Slider.Track>
          <Slider.Thumb
            aria-labelledby={labelId}
            aria-describedby={helpId}
            aria-valuetext={set ? String(value) : `${fallbackText}`}
            className="block size-5 rounded-full border-2 border-accent bg-surface shadow-card transition-transform hover:scale-110 focus-visible:scale-110 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
          />
        </Slider.Root>
      )}
      <p id={helpId} className="text-xs text-ink-muted">
        {spec.help}
      </p>
    </div>
  );
}

/** Where an unset slider rests: the value that means "off" or the usual default. */
function defaultPosition(spec: SettingSpec): number {
  const neutral: Partial<Record<GenerationSettingKey, number>> = {
    temperature: 1,
    topP: 1,
    topK: 40,
    minP: 0,
    repetitionPenalty: 1,
    frequencyPenalty: 0,
    presencePenalty: 0,
  };
  return neutral[spec.key] ?? spec.min;
}

const round = (value: number, step: number) => Number((Math.round(value / step) * step).toFixed(4));

/**
 * An avatar's Generation section: a preset (one of the person's, Settings → Models → Presets) and
 * the avatar's own values over it. Shows only what the avatar's model takes.
 */
export function AvatarGenerationSettings({
  generation,
  modelId,
  readOnly,
  onChange,
}: {
  generation: Avatar['generation'];
  modelId: string | null;
  readOnly: boolean;
  onChange: (generation: Avatar['generation']) => void;
}) {
  const presets = usePresets();
  const { supported, modelName } = useSupportedSettings(modelId);
  const selectId = useId();
  const preset = presets.data?.find((p) => p.id === generation.presetId);
  return (
    <div className="flex flex-col gap-5">
      <div className="flex flex-col gap-1.5">
        <label htmlFor={selectId} className="text-sm font-medium text-ink">
          Preset
        </label>
        <select
          id={selectId}
          value={generation.presetId ?? ''}
          disabled={readOnly}
          onChange={(event) => onChange({ ...generation, presetId: event.target.value || null })}
          className="h-10 w-full rounded-lg border border-line bg-surface px-3 text-sm text-ink focus-visible:outline-2 focus-visible:outline-ring disabled:opacity-70 sm:w-72"
        >
          <option value="">No preset</option>
          {generation.presetId && !preset ? <option value={generation.presetId}>Loading…</option> : null}
          {presets.data?.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <p className="text-xs text-ink-muted">
          Values set below win over the preset’s. Manage presets in Settings → Models.
        </p>
        {readOnly ? null : (
          <SaveAsPreset
            values={{ ...(preset?.settings ?? {}), ...generation.settings }}
            onSaved={(presetId) => onChange({ presetId, settings: {} })}
          />
        )}
      </div>
      <p className="text-xs text-ink-muted" data-testid="generation-model-note">
        {supported
          ? `Showing what ${modelName ?? 'its model'} takes; other settings are not sent.`
          : 'Showing every setting: its model is not known yet. A model ignores what it does not take.'}
      </p>
      <GenerationFields
        settings={generation.settings}
        inherited={preset?.settings ?? {}}
        supported={supported}
        readOnly={readOnly}
        onChange={(settings) => onChange({ ...generation, settings })}
      />
    </div>
  );
}

/**
 * "Save as preset": the values in effect here (the preset's with this avatar's over them) become a
 * new preset of the person's, which the avatar then uses instead of its own copies.
 */
function SaveAsPreset({
  values,
  onSaved,
}: {
  values: GenerationSettings;
  onSaved: (presetId: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const create = useCreatePreset();
  const nameId = useId();
  const empty = Object.keys(values).length === 0;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) return;
    create.mutate(
      { name: name.trim(), settings: values },
      {
        onSuccess: (preset) => {
          onSaved(preset.id);
          setOpen(false);
          setName('');
        },
      },
    );
  }

  return (
    <>
      <div>
        <button
          type="button"
          className="btn-secondary h-8 px-2.5 text-[13px]"
          disabled={empty}
          title={empty ? 'Set a value first' : undefined}
          onClick={() => setOpen(true)}
        >
          <BookmarkPlus className="size-3.5" aria-hidden="true" />
          Save as preset
        </button>
      </div>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title="Save as preset"
        description="These values become a preset you can give other avatars; this avatar then uses it."
        locked={create.isPending}
      >
        <form onSubmit={submit} className="flex flex-col gap-4">
          <div className="flex flex-col gap-1.5">
            <label htmlFor={nameId} className="text-sm font-medium text-ink">
              Name
            </label>
            <input
              id={nameId}
              className={inputClass}
              value={name}
              maxLength={100}
              required
              onChange={(event) => setName(event.target.value)}
            />
          </div>
          {create.error ? <FormAlert>{friendlyMessage(create.error)}</FormAlert> : null}
          <DialogActions>
            <button
              type="button"
              className="btn-secondary"
              onClick={() => setOpen(false)}
              disabled={create.isPending}
            >
              Cancel
            </button>
            <button type="submit" className="btn-primary" disabled={create.isPending || !name.trim()}>
              {create.isPending ? <Spinner /> : null}
              Save preset
            </button>
          </DialogActions>
        </form>
      </Dialog>
    </>
  );
}

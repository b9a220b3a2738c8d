import { Pencil, Trash2, Upload } from 'lucide-react';
import { type ChangeEvent, useId, useRef, useState } from 'react';
import { GenerationFields } from '../../../components/avatars/generation-settings';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { Dialog, DialogActions } from '../../../components/dialog';
import { FormAlert } from '../../../components/form-alert';
import { inputClass } from '../../../components/form-field';
import { SettingsSection } from '../../../components/settings-section';
import { Spinner } from '../../../components/submit-button';
import { friendlyMessage } from '../../../lib/api-errors';
import {
  type GenerationPreset,
  type GenerationSettings,
  MAX_PRESET_FILE_BYTES,
  useCreatePreset,
  useDeletePreset,
  useImportPreset,
  usePresets,
  useUpdatePreset,
} from '../../../lib/generation-presets';

/** Named generation settings avatars can use: create, edit, rename, delete, import SillyTavern's. */
export function PresetsSection() {
  const presets = usePresets();
  const [editing, setEditing] = useState<GenerationPreset | 'new' | null>(null);
  const [deleting, setDeleting] = useState<GenerationPreset | null>(null);
  const remove = useDeletePreset();
  const list = presets.data ?? [];
  return (
    <SettingsSection
      title="Generation presets"
      description="Named sampling settings (temperature, length, stop strings …) an avatar can use. Changing one changes the replies of every avatar using it."
    >
      <div className="flex flex-col gap-4">
        {list.length === 0 && !presets.isPending ? (
          <p className="text-sm text-ink-muted">
            No presets yet. Create one, or import a SillyTavern preset file.
          </p>
        ) : (
          <ul
            className="flex flex-col divide-y divide-line rounded-lg border border-line"
            aria-label="Presets"
          >
            {list.map((preset) => (
              <li key={preset.id} className="flex items-center gap-3 px-3 py-2.5">
                <div className="min-w-0 flex-1">
                  <p className="truncate text-sm font-medium text-ink">{preset.name}</p>
                  <p className="truncate text-xs text-ink-muted">{summary(preset.settings)}</p>
                </div>
                <button
                  type="button"
                  className="btn-ghost size-9 p-0"
                  aria-label={`Edit ${preset.name}`}
                  onClick={() => setEditing(preset)}
                >
                  <Pencil className="size-4" aria-hidden="true" />
                </button>
                <button
                  type="button"
                  className="btn-ghost size-9 p-0"
                  aria-label={`Delete ${preset.name}`}
                  onClick={() => setDeleting(preset)}
                >
                  <Trash2 className="size-4" aria-hidden="true" />
                </button>
              </li>
            ))}
          </ul>
        )}
        <div className="flex flex-wrap gap-2">
          <button type="button" className="btn-secondary" onClick={() => setEditing('new')}>
            New preset
          </button>
          <ImportButton />
        </div>
      </div>
      {editing ? (
        <PresetDialog preset={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />
      ) : null}
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => (open ? undefined : setDeleting(null))}
        title={`Delete “${deleting?.name ?? ''}”?`}
        description="Avatars using it keep its values as their own, so their replies do not change."
        confirmLabel="Delete"
        pendingLabel="Deleting…"
        pending={remove.isPending}
        error={remove.error ? friendlyMessage(remove.error) : undefined}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
      />
    </SettingsSection>
  );
}

/** "temperature 0.8 · max 300 tokens · 2 stop strings" */
function summary(settings: GenerationSettings): string {
  const parts = Object.entries(settings).map(([key, value]) =>
    Array.isArray(value) ? `${value.length} stop string${value.length === 1 ? '' : 's'}` : `${key} ${value}`,
  );
  return parts.length ? parts.join(' · ') : 'No values: the model’s defaults';
}

function PresetDialog({ preset, onDone }: { preset: GenerationPreset | null; onDone: () => void }) {
  const [name, setName] = useState(preset?.name ?? '');
  const [settings, setSettings] = useState<GenerationSettings>(preset?.settings ?? {});
  const create = useCreatePreset();
  const update = useUpdatePreset();
  const pending = create.isPending || update.isPending;
  const error = create.error ?? update.error;
  const nameId = useId();
  return (
    <Dialog
      open
      onOpenChange={(open) => (open ? undefined : onDone())}
      title={preset ? `Edit “${preset.name}”` : 'New preset'}
      size="lg"
      locked={pending}
    >
      <form
        className="flex flex-col gap-5"
        onSubmit={(event) => {
          event.preventDefault();
          if (!name.trim()) return;
          if (preset) update.mutate({ id: preset.id, name: name.trim(), settings }, { onSuccess: onDone });
          else create.mutate({ name: name.trim(), settings }, { onSuccess: onDone });
        }}
      >
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
        <GenerationFields settings={settings} supported={null} onChange={setSettings} />
        {error ? <FormAlert>{friendlyMessage(error)}</FormAlert> : null}
        <DialogActions>
          <button type="button" className="btn-secondary" onClick={onDone} disabled={pending}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={pending || !name.trim()}>
            {pending ? <Spinner /> : null}
            Save
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/** Reads a SillyTavern preset file and imports it; says what was left out. */
function ImportButton() {
  const input = useRef<HTMLInputElement>(null);
  const importPreset = useImportPreset();
  const [note, setNote] = useState<string | null>(null);
  const [tooBig, setTooBig] = useState(false);

  async function chosen(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setNote(null);
    setTooBig(file.size > MAX_PRESET_FILE_BYTES);
    if (file.size > MAX_PRESET_FILE_BYTES) return;
    const json = await file.text();
    const name = file.name.replace(/\.json$/i, '').slice(0, 100);
    importPreset.mutate(
      { json, ...(name.trim() ? { name } : {}) },
      {
        onSuccess: (result) => {
          const left = result.ignored.length + result.invalid.length;
          setNote(
            `Imported “${result.preset.name}”: ${Object.keys(result.preset.settings).length} settings` +
              (left
                ? `; ${left} field${left === 1 ? '' : 's'} Lumina does not use ${left === 1 ? 'was' : 'were'} left out.`
                : '.'),
          );
        },
      },
    );
  }

  return (
    <div className="flex w-full flex-col gap-2">
      <div>
        <button
          type="button"
          className="btn-secondary"
          onClick={() => input.current?.click()}
          disabled={importPreset.isPending}
        >
          {importPreset.isPending ? <Spinner /> : <Upload className="size-4" aria-hidden="true" />}
          Import SillyTavern preset
        </button>
        <input
          ref={input}
          type="file"
          accept=".json,application/json"
          className="sr-only"
          aria-label="SillyTavern preset file"
          tabIndex={-1}
          onChange={(event) => void chosen(event)}
        />
      </div>
      {note ? (
        <p className="text-sm text-ink-muted" role="status">
          {note}
        </p>
      ) : null}
      {tooBig ? <FormAlert>That file is larger than a preset can be (512 KB).</FormAlert> : null}
      {importPreset.error ? <FormAlert>{friendlyMessage(importPreset.error)}</FormAlert> : null}
    </div>
  );
}

import {
  type GenerationSettingKey,
  type GenerationSettings,
  generationSettingsSchema,
  MAX_STOP_STRINGS,
} from '../domain/generation-settings.js';

/** Field names of a SillyTavern preset (text- or chat-completion) and the setting each fills. */
const FIELDS: Record<string, GenerationSettingKey> = {
  temp: 'temperature',
  temperature: 'temperature',
  top_p: 'topP',
  top_k: 'topK',
  min_p: 'minP',
  rep_pen: 'repetitionPenalty',
  repetition_penalty: 'repetitionPenalty',
  freq_pen: 'frequencyPenalty',
  frequency_penalty: 'frequencyPenalty',
  presence_pen: 'presencePenalty',
  presence_penalty: 'presencePenalty',
  genamt: 'maxTokens',
  max_length: 'maxTokens',
  openai_max_tokens: 'maxTokens',
  max_tokens: 'maxTokens',
  stop: 'stop',
  stopping_strings: 'stop',
  custom_stopping_strings: 'stop',
  seed: 'seed',
};

/** Fields that only name or describe the preset. */
const DESCRIPTIVE = new Set(['name', 'preset_name']);

/** At most this many field names are listed back (a file may have thousands). */
const MAX_LISTED = 200;

export interface SillyTavernPresetResult {
  /** The settings Lumina takes from it. */
  settings: GenerationSettings;
  /** The preset's own name, when it carries one. */
  name: string | null;
  /** Field names Lumina has no setting for (first 200). */
  ignored: string[];
  /** Fields Lumina knows whose value it could not take, and why. */
  invalid: { field: string; reason: string }[];
}

/**
 * A SillyTavern preset (a text-completion preset such as `TextGen Settings/*.json`, or a
 * chat-completion one such as `OpenAI Settings/*.json`) as Lumina's generation settings.
 * SillyTavern's "off" values stay unset (top_k 0, a seed of -1: random); stop strings may be an
 * array or JSON text of one. The caller bounds the input (size, depth) before parsing.
 * @example readSillyTavernPreset({ temp: 0.8, top_k: 0, rep_pen: 1.1, sampler_order: [6, 0] })
 * // { settings: { temperature: 0.8, repetitionPenalty: 1.1 }, name: null, ignored: ['sampler_order'], invalid: [] }
 */
export function readSillyTavernPreset(preset: Record<string, unknown>): SillyTavernPresetResult {
  const settings: Record<string, unknown> = {};
  const ignored: string[] = [];
  const invalid: { field: string; reason: string }[] = [];
  for (const [field, value] of Object.entries(preset)) {
    const key = Object.hasOwn(FIELDS, field) ? FIELDS[field] : undefined;
    if (!key) {
      if (!DESCRIPTIVE.has(field) && ignored.length < MAX_LISTED) ignored.push(field.slice(0, 100));
      continue;
    }
    if (settings[key] !== undefined) continue; // the first of two names for one setting wins
    const read = readField(key, value);
    if (read === OFF) continue;
    const checked = generationSettingsSchema.shape[key].safeParse(read);
    if (checked.success && checked.data !== undefined) settings[key] = checked.data;
    else if (invalid.length < MAX_LISTED)
      invalid.push({ field, reason: checked.error?.issues[0]?.message ?? 'not a value Lumina takes' });
  }
  const name = typeof preset.name === 'string' ? preset.name.trim().slice(0, 100) : '';
  return { settings: settings as GenerationSettings, name: name || null, ignored, invalid };
}

/** A value that means "this sampler is off" in SillyTavern. */
const OFF = Symbol('off');

function readField(key: GenerationSettingKey, value: unknown): unknown {
  if (value === null || value === '') return OFF;
  switch (key) {
    case 'stop':
      return readStop(value);
    case 'seed':
      return typeof value === 'number' && value < 0 ? OFF : value;
    case 'topK':
      return value === 0 ? OFF : value;
    default:
      return value;
  }
}

function readStop(value: unknown): unknown {
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      list = [value];
    }
  }
  if (!Array.isArray(list)) return list;
  const strings = list.filter((s): s is string => typeof s === 'string' && s.length > 0);
  if (strings.length === 0) return OFF;
  return strings.slice(0, MAX_STOP_STRINGS);
}

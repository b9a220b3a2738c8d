import {
  type CustomSlider,
  STYLE_SLIDER_NAMES,
  type StyleSliderName,
  type StyleSliders,
} from './avatar-persona.js';

export type StyleBand = 'very_low' | 'low' | 'neutral' | 'high' | 'very_high';

/** The bands that produce an instruction; `neutral` deliberately produces none. */
export type InstructedBand = Exclude<StyleBand, 'neutral'>;

/** Inclusive value ranges of each band. */
export const STYLE_BANDS: readonly { band: StyleBand; min: number; max: number }[] = [
  { band: 'very_low', min: 0, max: 19 },
  { band: 'low', min: 20, max: 39 },
  { band: 'neutral', min: 40, max: 59 },
  { band: 'high', min: 60, max: 79 },
  { band: 'very_high', min: 80, max: 100 },
];

export interface StyleSliderDefinition {
  /** Shown in the UI and docs. */
  label: string;
  /** What 0 and 100 mean, for the slider's end labels. */
  lowLabel: string;
  highLabel: string;
  instructions: Record<InstructedBand, string>;
}

/**
 * The single source for slider wording: the compiler, the docs (docs/prompt-compiler.md) and
 * the tests all read this table, and a test fails when the docs drift from it. Sentences are
 * concrete behaviours rather than adjectives, because models follow "one or two sentences"
 * far more reliably than "be concise".
 */
export const STYLE_SLIDER_TABLE: Readonly<Record<StyleSliderName, StyleSliderDefinition>> = {
  formality: {
    label: 'Formality',
    lowLabel: 'casual',
    highLabel: 'formal',
    instructions: {
      very_low:
        'Talk very casually, like texting a close friend: slang, contractions and sentence fragments are welcome.',
      low: 'Keep a relaxed, conversational tone; contractions and everyday words are fine.',
      high: 'Keep a polite, professional tone and avoid slang.',
      very_high: 'Use formal, polished language; avoid slang and contractions.',
    },
  },
  verbosity: {
    label: 'Verbosity',
    lowLabel: 'brief',
    highLabel: 'detailed',
    instructions: {
      very_low: 'Keep replies very short: one or two sentences unless asked for more.',
      low: 'Keep replies brief and to the point: a short paragraph at most.',
      high: 'Give fuller replies with some detail and context; use a few paragraphs when it helps.',
      very_high:
        'Give rich, detailed replies that explore the topic thoroughly, with examples and vivid detail.',
    },
  },
  warmth: {
    label: 'Warmth',
    lowLabel: 'detached',
    highLabel: 'warm',
    instructions: {
      very_low: 'Stay cool and detached; do not offer comfort, compliments or emotional reassurance.',
      low: 'Be reserved and matter-of-fact; keep emotional expression to a minimum.',
      high: 'Be friendly and kind, and show genuine interest in how the user is doing.',
      very_high: 'Be openly warm and affectionate: encourage, empathize and celebrate with the user.',
    },
  },
  humor: {
    label: 'Humor',
    lowLabel: 'serious',
    highLabel: 'playful',
    instructions: {
      very_low: 'Stay completely serious; do not joke or use playful language.',
      low: 'Keep humor rare and light; stay mostly earnest.',
      high: 'Use humor often: light jokes and playful remarks where they fit.',
      very_high: 'Be playful and funny: joke freely, tease gently and look for the comic side of things.',
    },
  },
  directness: {
    label: 'Directness',
    lowLabel: 'diplomatic',
    highLabel: 'blunt',
    instructions: {
      very_low: 'Be very diplomatic: soften opinions, hedge disagreement and suggest rather than state.',
      low: 'Be tactful: cushion criticism and frame opinions gently.',
      high: 'Be direct: state your opinions and disagreements plainly.',
      very_high: 'Be blunt: give your honest view straight away, without hedging or sugar-coating.',
    },
  },
  curiosity: {
    label: 'Curiosity',
    lowLabel: 'incurious',
    highLabel: 'inquisitive',
    instructions: {
      very_low: 'Do not ask questions unless you must; respond to what was said and stop.',
      low: 'Ask questions only occasionally, when something is genuinely unclear.',
      high: "Show curiosity: ask follow-up questions about the user's thoughts and experiences.",
      very_high:
        'Be deeply curious: ask probing follow-up questions and dig into the details the user mentions.',
    },
  },
};

/** Sentences for creator-defined sliders; `{low}` and `{high}` are replaced by the slider's labels. */
export const CUSTOM_SLIDER_TEMPLATES: Readonly<Record<InstructedBand, string>> = {
  very_low: 'Be clearly {low} rather than {high}.',
  low: 'Lean towards being {low} rather than {high}.',
  high: 'Lean towards being {high} rather than {low}.',
  very_high: 'Be clearly {high} rather than {low}.',
};

export interface StyleInstruction {
  /** A built-in slider name, or the custom slider's own name. */
  slider: string;
  value: number;
  band: InstructedBand;
  text: string;
}

/**
 * Which band a slider value falls in; values are rounded and clamped to 0–100, and anything
 * that is not a finite number counts as neutral.
 * @example styleBand(90) // 'very_high'
 */
export function styleBand(value: number): StyleBand {
  if (!Number.isFinite(value)) return 'neutral';
  const clamped = Math.min(100, Math.max(0, Math.round(value)));
  return STYLE_BANDS.find((range) => clamped >= range.min && clamped <= range.max)!.band;
}

/**
 * The instruction for one built-in slider, or null in the neutral band.
 * @example styleInstruction('formality', 90) // 'Use formal, polished language; avoid slang and contractions.'
 */
export function styleInstruction(slider: StyleSliderName, value: number): string | null {
  const band = styleBand(value);
  return band === 'neutral' ? null : STYLE_SLIDER_TABLE[slider].instructions[band];
}

/**
 * The instruction for a creator-defined slider, or null when neutral or when a label is empty.
 * @example customSliderInstruction({ name: 'Optimism', value: 90, low: 'pessimistic', high: 'optimistic' })
 * // 'Be clearly optimistic rather than pessimistic.'
 */
export function customSliderInstruction(slider: CustomSlider): string | null {
  const band = styleBand(slider.value);
  const low = cleanLabel(slider.low);
  const high = cleanLabel(slider.high);
  if (band === 'neutral' || !low || !high) return null;
  return CUSTOM_SLIDER_TEMPLATES[band].replace('{low}', low).replace('{high}', high);
}

/**
 * Every non-neutral slider as an instruction: built-in sliders in table order, then custom
 * sliders in the order given.
 * @example styleInstructions({ verbosity: 10, humor: 50 }).map((i) => i.text)
 * // ['Keep replies very short: one or two sentences unless asked for more.']
 */
export function styleInstructions(style: StyleSliders = {}, custom: CustomSlider[] = []): StyleInstruction[] {
  const result: StyleInstruction[] = [];
  for (const slider of STYLE_SLIDER_NAMES) {
    const value = style[slider];
    if (value === undefined) continue;
    const band = styleBand(value);
    if (band !== 'neutral') {
      result.push({ slider, value, band, text: STYLE_SLIDER_TABLE[slider].instructions[band] });
    }
  }
  for (const slider of custom) {
    const text = customSliderInstruction(slider);
    const band = styleBand(slider.value);
    if (text && band !== 'neutral') result.push({ slider: slider.name, value: slider.value, band, text });
  }
  return result;
}

// Labels land inside a sentence, so line breaks and runs of spaces would break the prompt's layout.
function cleanLabel(label: string): string {
  return label.replace(/\s+/g, ' ').trim();
}

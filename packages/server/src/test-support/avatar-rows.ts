import type { AvatarRow } from '../db/schema/index.js';
import { NEUTRAL_STYLE } from '../services/avatar.service.js';

/** A plain private avatar row (Aria, neutral style, no lorebook) for tests that need one without a database. */
export function avatarRow(overrides: Partial<AvatarRow> = {}): AvatarRow {
  const created = new Date('2026-01-01T00:00:00Z');
  return {
    id: '00000000-0000-7000-8000-00000000a001',
    ownerId: '00000000-0000-7000-8000-00000000b001',
    name: 'Aria',
    nickname: null,
    description: '',
    persona: '',
    traits: [],
    style: NEUTRAL_STYLE,
    backstory: '',
    scenario: '',
    greeting: '',
    alternateGreetings: [],
    exampleDialogue: '',
    tags: [],
    voice: { engine: null, voice: null, rate: 1, pitch: 1 },
    defaultModel: null,
    fallbackModels: [],
    memory: { enabled: true, scope: 'private' },
    visibility: 'private',
    lorebook: null,
    cardExtras: {},
    source: 'manual',
    imageId: null,
    lastUsedAt: null,
    createdAt: created,
    updatedAt: created,
    ...overrides,
  };
}

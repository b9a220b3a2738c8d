import type { Avatar } from '../lib/avatars';
import type { User } from '../lib/session';

export const ada: User = {
  id: '0199a1b2-0000-7000-8000-0000000000ad',
  email: 'ada@example.org',
  name: 'Ada Lovelace',
  preferredName: 'Ada',
  role: 'user',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};

let serial = 0;

/** An avatar as the API returns it; override what a test cares about. */
export function avatar(overrides: Partial<Avatar> = {}): Avatar {
  serial++;
  const id = overrides.id ?? `0199a1b2-0000-7000-8000-${String(serial).padStart(12, '0')}`;
  return {
    id,
    name: 'Lumina',
    nickname: null,
    description: 'Your personal assistant.',
    persona: '{{char}} helps {{user}}.',
    traits: ['helpful'],
    style: { formality: 45, verbosity: 40, warmth: 70, humor: 35, directness: 75, curiosity: 60, custom: [] },
    backstory: '',
    scenario: '',
    greeting: 'Hi {{user}}! I’m {{char}}.',
    alternateGreetings: [],
    exampleDialogue: '',
    tags: ['assistant'],
    voice: { engine: null, voice: null, rate: 1, pitch: 1 },
    defaultModel: null,
    fallbackModels: [],
    memory: { enabled: true, scope: 'private' },
    generation: { presetId: null, settings: {} },
    visibility: 'private',
    source: 'manual',
    owned: true,
    imageUrl: `/api/avatars/${id}/image?v=1`,
    hasCustomImage: false,
    lorebook: null,
    lastUsedAt: null,
    createdAt: '2026-01-02T00:00:00.000Z',
    updatedAt: '2026-01-02T00:00:00.000Z',
    ...overrides,
  };
}

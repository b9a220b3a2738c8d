import { toAvatarPersona } from '../avatars/avatar-persona-mapping.js';
import type { AvatarRow } from '../db/schema/index.js';
import type { UserIdentity } from '../prompt/avatar-persona.js';
import { type CompiledSystemPrompt, compileSystemPrompt } from '../prompt/compile-system-prompt.js';
import type { AvatarInput, AvatarService } from './avatar.service.js';

/** The person the prompt is compiled for, as the identity hook knows them. */
export interface PromptViewer {
  id: string;
  name: string;
  preferredName?: string | null | undefined;
}

export type PromptPreview = Pick<
  CompiledSystemPrompt,
  'text' | 'tokens' | 'sections' | 'postHistoryInstructions'
>;

/**
 * The system prompt an avatar compiles to for a viewer, for the editor's preview. A draft
 * (the editor's unsaved fields) is laid over the saved avatar, so the preview shows what a
 * save would send without saving anything.
 */
export function createAvatarPromptService(deps: { avatars: AvatarService }) {
  return {
    async preview(
      viewer: PromptViewer,
      avatarId: string,
      draft: Partial<AvatarInput> = {},
    ): Promise<PromptPreview> {
      const saved = await deps.avatars.get(viewer.id, avatarId);
      const avatar: AvatarRow = { ...saved, ...definedFields(draft) };
      const user: UserIdentity = {
        name: viewer.name,
        ...(viewer.preferredName ? { preferredName: viewer.preferredName } : {}),
      };
      const { text, tokens, sections, postHistoryInstructions } = await compileSystemPrompt(
        toAvatarPersona(avatar),
        user,
      );
      return { text, tokens, sections, postHistoryInstructions };
    },
  };
}

/** A field left out of the draft keeps its saved value; `undefined` never erases one. */
function definedFields(draft: Partial<AvatarInput>): Partial<AvatarRow> {
  return Object.fromEntries(
    Object.entries(draft).filter(([, value]) => value !== undefined),
  ) as Partial<AvatarRow>;
}

export type AvatarPromptService = ReturnType<typeof createAvatarPromptService>;

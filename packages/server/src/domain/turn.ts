/**
 * What a person asked the engine to do; the turn planner (services/turns/turn-planner.ts) turns
 * each into the rows to write and the reply to run.
 * - `send`: a new user message and its reply;
 * - `regenerate`: another reply to the same user message (a sibling of the reply);
 * - `edit`: a sibling with new text (a user message gets a new reply; a reply is only rewritten);
 * - `continue`: a new reply that carries on the text of the last one (a sibling holding its text
 *   and what the model adds, so the original stays one click away).
 */
export const TURN_ACTIONS = ['send', 'regenerate', 'edit', 'continue'] as const;
export type TurnAction = (typeof TURN_ACTIONS)[number];

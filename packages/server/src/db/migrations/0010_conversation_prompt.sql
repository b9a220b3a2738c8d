-- issue 12: a conversation's own prompt controls (domain/conversation-prompt.ts): a system prompt
-- that replaces the avatar's main prompt, and an author's note inserted at a depth.
ALTER TABLE "conversations" ADD COLUMN "prompt" jsonb DEFAULT '{}'::jsonb NOT NULL;
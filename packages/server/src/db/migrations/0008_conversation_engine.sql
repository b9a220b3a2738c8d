CREATE TABLE "conversation_participants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"conversation_id" uuid NOT NULL,
	"avatar_id" uuid,
	"user_id" uuid,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_participants_role_check" CHECK ("conversation_participants"."role" in ('owner', 'participant', 'viewer')),
	CONSTRAINT "conversation_participants_one_kind_check" CHECK (("conversation_participants"."avatar_id" is null) <> ("conversation_participants"."user_id" is null)),
	CONSTRAINT "conversation_participants_avatar_role_check" CHECK ("conversation_participants"."avatar_id" is null or "conversation_participants"."role" = 'participant')
);
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_role_check";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "parts" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "turn_id" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "speaker_avatar_id" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "speaker_user_id" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "token_count" integer;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "token_counter" text;--> statement-breakpoint
ALTER TABLE "conversation_participants" ADD CONSTRAINT "conversation_participants_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_participants" ADD CONSTRAINT "conversation_participants_avatar_id_avatars_id_fk" FOREIGN KEY ("avatar_id") REFERENCES "public"."avatars"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_participants" ADD CONSTRAINT "conversation_participants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "conversation_participants_avatar_idx" ON "conversation_participants" USING btree ("conversation_id","avatar_id") WHERE "conversation_participants"."avatar_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "conversation_participants_user_idx" ON "conversation_participants" USING btree ("conversation_id","user_id") WHERE "conversation_participants"."user_id" is not null;--> statement-breakpoint
CREATE INDEX "conversation_participants_avatar_id_idx" ON "conversation_participants" USING btree ("avatar_id");--> statement-breakpoint
CREATE INDEX "conversation_participants_user_id_idx" ON "conversation_participants" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_speaker_avatar_id_avatars_id_fk" FOREIGN KEY ("speaker_avatar_id") REFERENCES "public"."avatars"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_speaker_user_id_users_id_fk" FOREIGN KEY ("speaker_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "messages_conversation_turn_idx" ON "messages" USING btree ("conversation_id","turn_id");--> statement-breakpoint
CREATE INDEX "messages_speaker_avatar_id_idx" ON "messages" USING btree ("speaker_avatar_id");--> statement-breakpoint
CREATE INDEX "messages_speaker_user_id_idx" ON "messages" USING btree ("speaker_user_id");--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_one_speaker_check" CHECK ("messages"."speaker_avatar_id" is null or "messages"."speaker_user_id" is null);--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_role_check" CHECK ("messages"."role" in ('user', 'assistant', 'system', 'tool'));--> statement-breakpoint
-- Message parts: every stored text becomes one text part, exactly as written (content stays the
-- text of the text parts, so nothing is lost and search keeps working).
UPDATE "messages" SET "parts" = jsonb_build_array(jsonb_build_object('type', 'text', 'text', "content")) WHERE "content" <> '';--> statement-breakpoint
-- Speakers: people wrote the user messages, the conversation's avatar the replies.
UPDATE "messages" m SET "speaker_user_id" = m."owner_id" WHERE m."role" = 'user';--> statement-breakpoint
UPDATE "messages" m SET "speaker_avatar_id" = c."avatar_id" FROM "conversations" c WHERE c."id" = m."conversation_id" AND m."role" = 'assistant';--> statement-breakpoint
-- Turns: a user message (or a message with no parent, like a greeting) opens a turn; every other
-- message belongs to the turn of its parent.
WITH RECURSIVE turns AS (
  SELECT "id", "id" AS "turn_id" FROM "messages" WHERE "parent_id" IS NULL
  UNION ALL
  SELECT m."id", CASE WHEN m."role" = 'user' THEN m."id" ELSE t."turn_id" END
  FROM "messages" m JOIN turns t ON m."parent_id" = t."id"
)
UPDATE "messages" m SET "turn_id" = turns."turn_id" FROM turns WHERE turns."id" = m."id";--> statement-breakpoint
-- Participants: each conversation holds its owner and its avatar.
INSERT INTO "conversation_participants" ("id", "conversation_id", "user_id", "role", "created_at")
SELECT gen_random_uuid(), c."id", c."owner_id", 'owner', c."created_at" FROM "conversations" c;--> statement-breakpoint
INSERT INTO "conversation_participants" ("id", "conversation_id", "avatar_id", "role", "created_at")
SELECT gen_random_uuid(), c."id", c."avatar_id", 'participant', c."created_at" FROM "conversations" c;

CREATE TABLE "avatars" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"nickname" text,
	"description" text DEFAULT '' NOT NULL,
	"persona" text DEFAULT '' NOT NULL,
	"traits" text[] DEFAULT '{}'::text[] NOT NULL,
	"style" jsonb NOT NULL,
	"backstory" text DEFAULT '' NOT NULL,
	"scenario" text DEFAULT '' NOT NULL,
	"greeting" text DEFAULT '' NOT NULL,
	"alternate_greetings" text[] DEFAULT '{}'::text[] NOT NULL,
	"example_dialogue" text DEFAULT '' NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"voice" jsonb NOT NULL,
	"default_model" text,
	"fallback_models" text[] DEFAULT '{}'::text[] NOT NULL,
	"memory" jsonb NOT NULL,
	"visibility" text DEFAULT 'private' NOT NULL,
	"lorebook" jsonb,
	"card_extras" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source" text DEFAULT 'manual' NOT NULL,
	"image_id" uuid,
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "avatars_visibility_check" CHECK ("avatars"."visibility" in ('private', 'instance'))
);
--> statement-breakpoint
CREATE TABLE "files" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"mime_type" text NOT NULL,
	"bytes" "bytea" NOT NULL,
	"size_bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"width" integer,
	"height" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "avatars" ADD CONSTRAINT "avatars_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "avatars" ADD CONSTRAINT "avatars_image_id_files_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."files"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "avatars_owner_id_idx" ON "avatars" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "avatars_visibility_idx" ON "avatars" USING btree ("visibility");--> statement-breakpoint
CREATE INDEX "files_owner_id_idx" ON "files" USING btree ("owner_id");
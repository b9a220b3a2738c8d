CREATE TABLE "knowledge_chunks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"document_id" uuid NOT NULL,
	"owner_id" uuid NOT NULL,
	"avatar_id" uuid NOT NULL,
	"ord" integer NOT NULL,
	"page" integer,
	"content" text NOT NULL,
	"tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED,
	"embedding" real[],
	"embedding_model" text
);
--> statement-breakpoint
CREATE TABLE "knowledge_documents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"avatar_id" uuid NOT NULL,
	"file_id" uuid NOT NULL,
	"name" text NOT NULL,
	"media_type" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"error" jsonb,
	"chunk_count" integer DEFAULT 0 NOT NULL,
	"page_count" integer,
	"truncated" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "knowledge_documents_status_check" CHECK ("knowledge_documents"."status" in ('queued', 'indexing', 'ready', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "memories" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"avatar_id" uuid,
	"kind" text NOT NULL,
	"content" text NOT NULL,
	"importance" real DEFAULT 0.5 NOT NULL,
	"confidence" real DEFAULT 1 NOT NULL,
	"origin" text NOT NULL,
	"source_message_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"source_conversation_id" uuid,
	"valid_from" timestamp with time zone DEFAULT now() NOT NULL,
	"valid_to" timestamp with time zone,
	"superseded_by" uuid,
	"pinned" boolean DEFAULT false NOT NULL,
	"embedding" real[],
	"embedding_model" text,
	"tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_recalled_at" timestamp with time zone,
	CONSTRAINT "memories_kind_check" CHECK ("memories"."kind" in ('fact', 'preference', 'person', 'event', 'profile')),
	CONSTRAINT "memories_origin_check" CHECK ("memories"."origin" in ('extracted', 'manual', 'command', 'imported')),
	CONSTRAINT "memories_importance_check" CHECK ("memories"."importance" between 0 and 1),
	CONSTRAINT "memories_confidence_check" CHECK ("memories"."confidence" between 0 and 1)
);
--> statement-breakpoint
CREATE TABLE "message_embeddings" (
	"message_id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"embedding" real[] NOT NULL,
	"embedding_model" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ADD CONSTRAINT "knowledge_chunks_document_id_knowledge_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."knowledge_documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ADD CONSTRAINT "knowledge_chunks_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ADD CONSTRAINT "knowledge_chunks_avatar_id_avatars_id_fk" FOREIGN KEY ("avatar_id") REFERENCES "public"."avatars"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_documents" ADD CONSTRAINT "knowledge_documents_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_documents" ADD CONSTRAINT "knowledge_documents_avatar_id_avatars_id_fk" FOREIGN KEY ("avatar_id") REFERENCES "public"."avatars"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_documents" ADD CONSTRAINT "knowledge_documents_file_id_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."files"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memories" ADD CONSTRAINT "memories_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memories" ADD CONSTRAINT "memories_avatar_id_avatars_id_fk" FOREIGN KEY ("avatar_id") REFERENCES "public"."avatars"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memories" ADD CONSTRAINT "memories_source_conversation_id_conversations_id_fk" FOREIGN KEY ("source_conversation_id") REFERENCES "public"."conversations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memories" ADD CONSTRAINT "memories_superseded_by_memories_id_fk" FOREIGN KEY ("superseded_by") REFERENCES "public"."memories"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_embeddings" ADD CONSTRAINT "message_embeddings_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_embeddings" ADD CONSTRAINT "message_embeddings_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "knowledge_chunks_document_idx" ON "knowledge_chunks" USING btree ("document_id","ord");--> statement-breakpoint
CREATE INDEX "knowledge_chunks_owner_avatar_idx" ON "knowledge_chunks" USING btree ("owner_id","avatar_id");--> statement-breakpoint
CREATE INDEX "knowledge_chunks_tsv_idx" ON "knowledge_chunks" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "knowledge_documents_avatar_idx" ON "knowledge_documents" USING btree ("avatar_id","created_at");--> statement-breakpoint
CREATE INDEX "knowledge_documents_owner_idx" ON "knowledge_documents" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "knowledge_documents_file_idx" ON "knowledge_documents" USING btree ("file_id");--> statement-breakpoint
CREATE INDEX "memories_owner_avatar_idx" ON "memories" USING btree ("owner_id","avatar_id","valid_to");--> statement-breakpoint
CREATE INDEX "memories_owner_kind_idx" ON "memories" USING btree ("owner_id","kind");--> statement-breakpoint
CREATE INDEX "memories_tsv_idx" ON "memories" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "memories_superseded_by_idx" ON "memories" USING btree ("superseded_by");--> statement-breakpoint
CREATE INDEX "memories_source_conversation_idx" ON "memories" USING btree ("source_conversation_id");--> statement-breakpoint
CREATE INDEX "memories_embedding_model_idx" ON "memories" USING btree ("owner_id","embedding_model");--> statement-breakpoint
CREATE INDEX "message_embeddings_owner_model_idx" ON "message_embeddings" USING btree ("owner_id","embedding_model");--> statement-breakpoint
-- Vector search: pgvector where the server has it (PGlite always does; a PostgreSQL without the
-- extension, or whose role may not create it, keeps working with the exact scan below).
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS vector;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'pgvector is installed but this role may not create it: exact vector scan';
    END;
  END IF;
END $$;--> statement-breakpoint
-- The exact scan's similarity: vectors are stored at unit length, so their dot product is the cosine.
CREATE FUNCTION lumina_dot(a real[], b real[]) RETURNS real LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT sum(x * y)::real FROM unnest(a, b) AS t(x, y) $$;

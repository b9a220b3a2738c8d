-- issue 12 point 12: attachments (domain/attachment.ts) are files of kind 'attachment' with the
-- name they were uploaded under and, for documents, the text the model reads (and whether it was
-- cut at the per-file limit). The index serves the purge of attachments no message uses.
ALTER TABLE "files" ADD COLUMN "name" text;--> statement-breakpoint
ALTER TABLE "files" ADD COLUMN "extracted_text" text;--> statement-breakpoint
ALTER TABLE "files" ADD COLUMN "text_truncated" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "files_kind_created_at_idx" ON "files" USING btree ("kind","created_at");
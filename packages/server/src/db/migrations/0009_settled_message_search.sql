-- issue 11: the search vector only for settled messages. A streaming reply's flushes (the whole
-- text so far, every tick) recomputed to_tsvector and rewrote its GIN entries each time; now the
-- vector is null while status = 'streaming' and computed once, by the write that ends the reply.
-- PostgreSQL 15 cannot change a generation expression: drop the column (its GIN index goes with
-- it) and add both again. Adding the column computes it for every existing row.
ALTER TABLE "messages" DROP COLUMN "tsv";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "tsv" "tsvector" GENERATED ALWAYS AS (case when status = 'streaming' then null else to_tsvector('simple', content) end) STORED;--> statement-breakpoint
CREATE INDEX "messages_tsv_idx" ON "messages" USING gin ("tsv");

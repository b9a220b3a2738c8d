import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { type ModelPriceRow, modelPrices, type NewUsageEventRow, usageEvents } from '../db/schema/index.js';
import { newId } from '../ids.js';

/** Model prices (admin-edited) and the usage event log. */
export function createUsageRepository(db: Database) {
  // Every model call records one event: the insert is built once as a prepared statement (issue
  // 11: Drizzle rebuilt its SQL on each call). Cost goes in raw, as Drizzle's numeric encoder
  // would turn null into 'null'; the id is made per call, since a default would be made once.
  const placeholder = <K extends keyof NewUsageEventRow>(name: K) => sql.placeholder(name);
  const prepareRecord = () =>
    db
      .insert(usageEvents)
      .values({
        id: placeholder('id'),
        userId: placeholder('userId'),
        provider: placeholder('provider'),
        model: placeholder('model'),
        purpose: placeholder('purpose'),
        avatarId: placeholder('avatarId'),
        inputTokens: placeholder('inputTokens'),
        outputTokens: placeholder('outputTokens'),
        tokensReported: placeholder('tokensReported'),
        costUsd: sql`${placeholder('costUsd')}::numeric`,
        timeToFirstTokenMs: placeholder('timeToFirstTokenMs'),
        durationMs: placeholder('durationMs'),
        status: placeholder('status'),
        errorCode: placeholder('errorCode'),
      })
      .prepare('usage_event_record');
  let recordEvent: ReturnType<typeof prepareRecord> | undefined;
  let priceCache: { at: number; prices: Promise<ModelPriceRow[]> } | undefined;

  return {
    async record(event: NewUsageEventRow): Promise<void> {
      // An event with its own time (imports, tests) takes the general path.
      if (event.createdAt !== undefined) {
        await db.insert(usageEvents).values(event);
        return;
      }
      recordEvent ??= prepareRecord();
      await recordEvent.execute({
        id: event.id ?? newId(),
        userId: event.userId,
        provider: event.provider,
        model: event.model,
        purpose: event.purpose,
        avatarId: event.avatarId ?? null,
        inputTokens: event.inputTokens,
        outputTokens: event.outputTokens,
        tokensReported: event.tokensReported,
        costUsd: event.costUsd ?? null,
        timeToFirstTokenMs: event.timeToFirstTokenMs ?? null,
        durationMs: event.durationMs,
        status: event.status,
        errorCode: event.errorCode ?? null,
      });
    },

    listForUser(userId: string, limit = 100) {
      return db
        .select()
        .from(usageEvents)
        .where(eq(usageEvents.userId, userId))
        .orderBy(asc(usageEvents.createdAt))
        .limit(limit);
    },

    // async: a Drizzle query is a thenable that runs again on every `await`; a cache must hold
    // the promise of the rows, not the query.
    async listPrices(): Promise<ModelPriceRow[]> {
      return await db.select().from(modelPrices).orderBy(asc(modelPrices.pattern));
    },

    /**
     * The price table as read at most `maxAgeMs` ago (every model call costs its answer; prices
     * change when an admin edits them). A change made through this process is seen at once;
     * one made on another instance within `maxAgeMs`.
     */
    cachedPrices(maxAgeMs: number): Promise<ModelPriceRow[]> {
      if (!priceCache || Date.now() - priceCache.at > maxAgeMs) {
        const cache = { at: Date.now(), prices: this.listPrices() };
        priceCache = cache;
        cache.prices.catch(() => {
          if (priceCache === cache) priceCache = undefined;
        });
      }
      return priceCache.prices;
    },

    /** Replaces the whole price table in one transaction. */
    async replacePrices(prices: Omit<ModelPriceRow, 'updatedAt'>[]): Promise<void> {
      priceCache = undefined;
      await db.transaction(async (tx) => {
        await tx.delete(modelPrices);
        if (prices.length > 0) await tx.insert(modelPrices).values(prices);
      });
      priceCache = undefined;
    },

    /** Inserts prices for patterns not yet in the table (built-in defaults, never overwriting edits). */
    async seedPrices(prices: Omit<ModelPriceRow, 'updatedAt'>[]): Promise<void> {
      priceCache = undefined;
      if (prices.length > 0) await db.insert(modelPrices).values(prices).onConflictDoNothing();
      priceCache = undefined;
    },
  };
}

export type UsageRepository = ReturnType<typeof createUsageRepository>;

import type { Database } from '../db/database.js';
import type { ProviderConfig } from '../domain/provider.js';
import { invalidRequest, notFound } from '../errors.js';
import type { OutboundClient } from '../net/outbound-client.js';
import type { OutboundTrust } from '../net/outbound-policy.js';
import type { ProviderHealth, ProviderRegistry } from '../providers/provider-registry.js';
import { isLocalSpec, type ProviderSpec } from '../providers/provider-spec.js';
import type { ProviderKind } from '../providers/types.js';
import { createProviderConfigRepository } from '../repositories/provider-config.repository.js';
import { createShortLivedCache } from '../short-lived-cache.js';
import type { SecretService } from './secret.service.js';

export const USER_PROVIDER_KINDS = [
  'ollama',
  'openai',
  'anthropic',
  'google',
  'groq',
  'mistral',
  'openai-compatible',
] as const satisfies readonly ProviderKind[];

/** Kinds that cannot work without a base URL, and kinds that cannot work without a key. */
const NEEDS_URL = new Set<ProviderKind>(['ollama', 'openai-compatible']);
const NEEDS_KEY = new Set<ProviderKind>(['openai', 'anthropic', 'google', 'groq', 'mistral']);

export interface ProviderInput {
  kind: (typeof USER_PROVIDER_KINDS)[number];
  name: string;
  baseUrl?: string | null | undefined;
  apiKey?: string | null | undefined;
}

export interface ProviderView {
  id: string;
  kind: ProviderKind;
  name: string;
  scope: 'system' | 'user';
  baseUrl: string | null;
  local: boolean;
  hasKey: boolean;
  enabled: boolean;
  health: ProviderHealth;
}

/**
 * Providers a user adds in settings. Keys go into the secrets module (encrypted) and are never
 * returned; the provider list shows each provider's health next to it.
 */
export function createProviderService(deps: {
  db: Database;
  secrets: SecretService;
  registry: ProviderRegistry;
  /** Checks a base URL against the outbound policy before it is saved. */
  outbound: Pick<OutboundClient, 'assertAllowed'>;
  /**
   * Whether the user is an administrator now: an administrator's entries may reach private
   * addresses (their own Ollama on localhost), an ordinary user's only public ones.
   */
  isAdmin: (userId: string) => Promise<boolean>;
}) {
  const configs = createProviderConfigRepository(deps.db);
  const purpose = (kind: string) => `provider:${kind}`;

  // Every chat turn opens models through these; another instance's change shows within a second.
  const specCache = createShortLivedCache<ProviderSpec[]>(1000);

  function specsFor(userId: string): Promise<ProviderSpec[]> {
    return specCache.get(userId, async () => {
      const rows = (await configs.listForUser(userId)).filter((r) => r.enabled);
      if (rows.length === 0) return [];
      const trusted = await deps.isAdmin(userId);
      return Promise.all(rows.map((row) => toSpec(userId, row, trusted)));
    });
  }

  async function toSpec(userId: string, row: ProviderConfig, trusted: boolean): Promise<ProviderSpec> {
    return {
      id: row.id,
      kind: row.kind as ProviderKind,
      name: row.name,
      baseUrl: row.baseUrl ?? undefined,
      apiKey: row.secretId ? await deps.secrets.reveal(userId, row.secretId) : undefined,
      scope: 'user',
      trusted,
    };
  }

  /** Refuses a base URL the user may not aim at (`outbound_address_blocked`, 400). */
  async function checkTarget(userId: string, baseUrl: string | null | undefined) {
    if (!baseUrl) return;
    const trust: OutboundTrust = (await deps.isAdmin(userId)) ? 'trusted' : 'untrusted';
    await deps.outbound.assertAllowed(baseUrl, trust);
  }

  function validate(kind: ProviderKind, baseUrl: string | null | undefined, hasKey: boolean) {
    if (NEEDS_URL.has(kind) && !baseUrl) throw invalidRequest(`A ${kind} provider needs a base URL`);
    if (NEEDS_KEY.has(kind) && !hasKey) throw invalidRequest(`A ${kind} provider needs an API key`);
  }

  async function view(userId: string): Promise<ProviderView[]> {
    const registered = await deps.registry.providersFor(userId);
    const rows = new Map((await configs.listForUser(userId)).map((r) => [r.id, r]));
    const views = await Promise.all(
      registered.map(async (r) => ({
        id: r.spec.id,
        kind: r.spec.kind,
        name: r.spec.name,
        scope: r.spec.scope,
        baseUrl: r.spec.baseUrl ?? null,
        local: r.local,
        hasKey: Boolean(r.spec.apiKey),
        enabled: true,
        health: await deps.registry.healthOf(r),
      })),
    );
    // Disabled providers are not registered, but the user still sees (and can enable) them.
    for (const row of rows.values()) {
      if (row.enabled) continue;
      views.push({
        id: row.id,
        kind: row.kind as ProviderKind,
        name: row.name,
        scope: 'user',
        baseUrl: row.baseUrl,
        local: isLocalSpec({ kind: row.kind as ProviderKind, baseUrl: row.baseUrl ?? undefined }),
        hasKey: row.secretId !== null,
        enabled: false,
        health: { status: 'unknown', code: null, message: 'Disabled', latencyMs: null, checkedAt: null },
      });
    }
    return views;
  }

  async function viewOne(userId: string, id: string): Promise<ProviderView> {
    const found = (await view(userId)).find((v) => v.id === id);
    if (!found) throw notFound('provider');
    return found;
  }

  return {
    specsFor,
    list: view,

    async create(userId: string, input: ProviderInput): Promise<ProviderView> {
      validate(input.kind, input.baseUrl, Boolean(input.apiKey));
      await checkTarget(userId, input.baseUrl);
      const secretId = input.apiKey
        ? (await deps.secrets.store(userId, purpose(input.kind), input.apiKey)).id
        : null;
      const row = await configs.create({
        userId,
        kind: input.kind,
        name: input.name.trim(),
        baseUrl: input.baseUrl ?? null,
        secretId,
      });
      specCache.delete(userId);
      const registered = (await deps.registry.providersFor(userId)).find((r) => r.spec.id === row.id)!;
      await deps.registry.probe(registered);
      return viewOne(userId, row.id);
    },

    async update(
      userId: string,
      id: string,
      changes: {
        name?: string | undefined;
        baseUrl?: string | null | undefined;
        apiKey?: string | null | undefined;
        enabled?: boolean | undefined;
      },
    ): Promise<ProviderView> {
      const row = await configs.findForUser(userId, id);
      if (!row) throw notFound('provider');
      if (changes.baseUrl) await checkTarget(userId, changes.baseUrl);
      let secretId = row.secretId;
      if (changes.apiKey) {
        if (secretId) await deps.secrets.replace(userId, secretId, changes.apiKey);
        else secretId = (await deps.secrets.store(userId, purpose(row.kind), changes.apiKey)).id;
      } else if (changes.apiKey === null && secretId) {
        await deps.secrets.remove(userId, secretId);
        secretId = null;
      }
      const baseUrl = changes.baseUrl === undefined ? row.baseUrl : changes.baseUrl;
      validate(row.kind as ProviderKind, baseUrl, secretId !== null);
      await configs.update(userId, id, {
        ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
        baseUrl,
        secretId,
        ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      });
      specCache.delete(userId);
      deps.registry.forget(id);
      return viewOne(userId, id);
    },

    async remove(userId: string, id: string): Promise<void> {
      const row = await configs.delete(userId, id);
      if (!row) throw notFound('provider');
      if (row.secretId) await deps.secrets.remove(userId, row.secretId);
      specCache.delete(userId);
      deps.registry.forget(id);
    },

    /** Probes a provider now (the "check" button). */
    async check(userId: string, id: string): Promise<ProviderView> {
      const registered = (await deps.registry.providersFor(userId)).find((r) => r.spec.id === id);
      if (!registered) throw notFound('provider');
      await deps.registry.probe(registered);
      return viewOne(userId, id);
    },
  };
}

export type ProviderService = ReturnType<typeof createProviderService>;

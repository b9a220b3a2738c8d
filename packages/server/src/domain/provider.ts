/**
 * A model provider a person added in their settings (the `provider_configs` row satisfies this
 * structurally); the instance's own providers come from the environment and are not stored.
 * `kind` names an adapter (providers/types.ts `ProviderKind`); rows are read as a string because
 * a kind this version no longer ships must still be listed and deletable.
 */
export interface ProviderConfig {
  id: string;
  userId: string;
  kind: string;
  name: string;
  baseUrl: string | null;
  /** The API key, sealed in `secrets`; null for keyless providers (local servers). */
  secretId: string | null;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A provider to store: the database fills in the id, `enabled` and the times. */
export type NewProviderConfig = Pick<ProviderConfig, 'userId' | 'kind' | 'name'> &
  Partial<Omit<ProviderConfig, 'userId' | 'kind' | 'name'>>;

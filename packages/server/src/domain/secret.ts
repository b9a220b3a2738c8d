/**
 * A secret Lumina keeps (a provider's API key …), sealed under the master key (the `secrets`
 * row satisfies this structurally). `ownerId` is null for the instance's own secrets.
 */
export interface Secret {
  id: string;
  ownerId: string | null;
  /** What the secret is for, e.g. "provider:openai"; shown in audits, never the value. */
  purpose: string;
  /** `v1.<keyId>.<iv>.<ciphertext+tag>` in base64url (security/secret-box.ts). */
  ciphertext: string;
  /** The master key that sealed it; rotation re-seals rows whose key is not the current one. */
  keyId: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A secret without its ciphertext: what lists and audits show. */
export type SecretMetadata = Omit<Secret, 'ciphertext'>;

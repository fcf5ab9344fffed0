/**
 * The provider's signing keys (its `jwks_uri`), cached like jose's createRemoteJWKSet but with the
 * rate limit this service needs: the set is fetched on first use and again after `maxAgeMs`; a
 * token whose `kid` is unknown triggers ONE refetch (OIDC Core 1.0 §10.1.1: providers rotate keys
 * and publish the new one in jwks_uri), and such refetches happen at most once per
 * `refetchCooldownMs`, so forged tokens with random kids cannot make us hammer the provider.
 * Concurrent callers share one fetch.
 */
import { createLocalJWKSet, errors as joseErrors, type CryptoKey, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import { SignInError } from '../common/errors';

export interface JwksCacheOptions {
  /** Refetch a set older than this even without an unknown kid. Default 10 minutes. */
  maxAgeMs?: number;
  /** Minimum time between two unknown-kid refetches. Default 30 s (jose's cooldown). */
  refetchCooldownMs?: number;
  now?: () => number;
}

export type JwksFetcher = () => Promise<JSONWebKeySet>;

type KeySelector = ReturnType<typeof createLocalJWKSet>;

export class JwksCache {
  private selector: KeySelector | undefined;
  private fetchedAt = 0;
  private lastRefetchAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  /** How many times the set was fetched (metrics and tests). */
  fetchCount = 0;

  private readonly maxAgeMs: number;
  private readonly refetchCooldownMs: number;
  private readonly now: () => number;

  constructor(
    private readonly fetchJwks: JwksFetcher,
    options: JwksCacheOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.refetchCooldownMs = options.refetchCooldownMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** The verification key for a JWS header; SignInError `id_token_unknown_key` when none matches. */
  async getKey(header: JWSHeaderParameters): Promise<CryptoKey> {
    if (!this.selector || this.now() - this.fetchedAt >= this.maxAgeMs) await this.reload();
    try {
      return await this.select(header);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw this.selectionError(error);
      if (this.now() - this.lastRefetchAt < this.refetchCooldownMs) {
        throw new SignInError('id_token_unknown_key', `ID token "kid" ${JSON.stringify(header.kid ?? null)} is not in the provider's JWKS (refetch rate-limited)`);
      }
      this.lastRefetchAt = this.now();
      await this.reload();
      try {
        return await this.select(header);
      } catch (retryError) {
        if (retryError instanceof joseErrors.JWKSNoMatchingKey) {
          throw new SignInError('id_token_unknown_key', `ID token "kid" ${JSON.stringify(header.kid ?? null)} is not in the provider's JWKS, even after a refetch`);
        }
        throw this.selectionError(retryError);
      }
    }
  }

  private select(header: JWSHeaderParameters): Promise<CryptoKey> {
    return this.selector!(header) as Promise<CryptoKey>;
  }

  private selectionError(error: unknown): SignInError {
    if (error instanceof joseErrors.JWKSMultipleMatchingKeys) {
      return new SignInError('id_token_unknown_key', 'ID token header matches several keys in the provider\'s JWKS and names no "kid"', { cause: error });
    }
    return new SignInError('id_token_bad_signature', 'No usable key for the ID token in the provider\'s JWKS', { cause: error });
  }

  private reload(): Promise<void> {
    this.inflight ??= (async () => {
      try {
        const jwks = await this.fetchJwks();
        if (!jwks || !Array.isArray(jwks.keys)) throw new Error('the JWKS document has no "keys" array');
        this.selector = createLocalJWKSet(jwks);
        this.fetchedAt = this.now();
        this.fetchCount += 1;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }
}

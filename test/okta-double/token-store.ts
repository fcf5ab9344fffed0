// Issued access tokens and single-use identifiers (assertion and DPoP proof `jti`s).
import { randomBytes } from 'node:crypto';

export interface AccessToken {
  clientId: string;
  scopes: ReadonlySet<string>;
  /** Local clock (Date.now()), so clock skew never changes a token's lifetime. */
  expiresAt: number;
  /** RFC 9449 §6: the JWK SHA-256 thumbprint the token is bound to (`cnf.jkt`), or null for Bearer. */
  jkt: string | null;
}

export class TokenStore {
  private readonly tokens = new Map<string, AccessToken>();

  issue(token: Omit<AccessToken, 'expiresAt'>, ttlSeconds: number): string {
    if (this.tokens.size >= 1000) this.pruneExpired();
    const value = randomBytes(32).toString('base64url');
    this.tokens.set(value, { ...token, expiresAt: Date.now() + ttlSeconds * 1000 });
    return value;
  }

  /** The live token, or null when unknown or expired. */
  lookup(value: string): AccessToken | null {
    const token = this.tokens.get(value);
    if (!token) return null;
    if (token.expiresAt <= Date.now()) {
      this.tokens.delete(value);
      return null;
    }
    return token;
  }

  /** Makes every issued token expire now (tests of mid-run expiry). */
  expireAll(): void {
    this.tokens.clear();
  }

  private pruneExpired(): void {
    const now = Date.now();
    for (const [value, token] of this.tokens) if (token.expiresAt <= now) this.tokens.delete(value);
  }
}

/** Remembers single-use identifiers until they could no longer be accepted anyway. */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  private inserts = 0;

  /** Records `id` as used until `untilMs`; returns false when it was already used. */
  use(id: string, untilMs: number): boolean {
    const now = Date.now();
    const previous = this.seen.get(id);
    if (previous !== undefined && previous > now) return false;
    this.seen.set(id, untilMs);
    if (++this.inserts % 1000 === 0) {
      for (const [k, until] of this.seen) if (until <= now) this.seen.delete(k);
    }
    return true;
  }
}

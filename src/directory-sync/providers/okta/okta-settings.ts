// The admin's Okta directory sync settings, checked before any request so that a pasted public
// key, a missing kid or an admin-console URL gets its own message instead of an opaque 401.
import type { JWK } from 'jose';
import { messages } from './okta-errors';
import { parseActiveStatuses } from './okta-mapping';

export type DpopMode = 'auto' | 'always' | 'never';

export interface OktaDirectorySettings {
  /** The Okta org URL (https://example.okta.com); the token endpoint and the APIs live there. */
  orgUrl: string;
  /** Client ID of the "API services" app ("Directory Sync Client ID"). */
  clientId: string;
  /** The app's private key as Okta exports it in JSON format (the parsed object or the string). */
  privateJwk: JWK | Record<string, unknown> | string;
  /** Okta statuses that count as active; default ['ACTIVE'] (Defguard's rule). */
  activeStatuses?: string[];
  /** RFC 9449 DPoP: 'auto' (default) uses it when Okta says the app requires it. */
  dpop?: DpopMode;
  /** Share of each rate-limit bucket this client may use per window, (0, 1]; default 0.5. */
  budgetShare?: number;
  /** Group member listings in flight at once, across the whole provider; default 4. */
  memberConcurrency?: number;
  /** Per HTTP request, including reading the body; default 30 s. */
  requestTimeoutMs?: number;
  /** Retries of one request after 5xx, network errors, timeouts or malformed JSON; default 5. */
  maxRetries?: number;
  /** Incremental listings look back this much further than asked (clock and replication slack); default 5 min. */
  incrementalMarginMs?: number;
  /** http:// on 127.0.0.1 / localhost / ::1 (tests and local demos only, as ALLOW_HTTP_LOOPBACK_PROVIDERS). */
  allowHttpLoopback?: boolean;
}

export interface SigningKeyInfo {
  jwk: JWK;
  kid: string;
  alg: 'RS256' | 'ES256' | 'ES384' | 'ES512';
}

export interface ResolvedOktaSettings {
  orgUrl: string;
  tokenUrl: string;
  clientId: string;
  key: SigningKeyInfo;
  activeStatuses: ReadonlySet<string>;
  dpop: DpopMode;
  budgetShare: number;
  memberConcurrency: number;
  requestTimeoutMs: number;
  maxRetries: number;
  incrementalMarginMs: number;
}

export const DEFAULTS = {
  dpop: 'auto' as DpopMode,
  budgetShare: 0.5,
  memberConcurrency: 4,
  requestTimeoutMs: 30_000,
  maxRetries: 5,
  incrementalMarginMs: 5 * 60_000,
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The org URL: https, no `-admin` console host, no `/oauth2/...` authorization-server path
 * (only the org authorization server mints tokens with Okta API scopes: developer.okta.com/docs/concepts/auth-servers/). */
export function checkOrgUrl(raw: string, allowHttpLoopback = false): { orgUrl: string } | { problem: string } {
  const trimmed = (raw ?? '').trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { problem: messages.orgUrlInvalid(trimmed) };
  }
  const loopbackHttp = url.protocol === 'http:' && allowHttpLoopback && LOOPBACK.has(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) return { problem: messages.orgUrlNotHttps(trimmed) };
  const adminHost = /^([^.]+)-admin\.(.+)$/.exec(url.hostname);
  if (adminHost) {
    const suggested = `${url.protocol}//${adminHost[1]}.${adminHost[2]}${url.port ? `:${url.port}` : ''}`;
    return { problem: messages.orgUrlAdmin(trimmed, suggested) };
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (/^\/oauth2(\/|$)/.test(path)) return { problem: messages.orgUrlAuthorizationServer(trimmed, url.origin) };
  if (path !== '' || url.search || url.hash || url.username || url.password) return { problem: messages.orgUrlPath(trimmed, url.origin) };
  return { orgUrl: url.origin };
}

/** The private JWK: JSON (not PEM), a private key (has `d`), with a `kid`, RSA or EC. The
 * assertion algorithm follows the key: RS256 for RSA, ES256/384/512 by curve for EC
 * (developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/#create-and-sign-the-jwt). */
export function checkPrivateJwk(raw: OktaDirectorySettings['privateJwk']): { key: SigningKeyInfo } | { problem: string } {
  let jwk: Record<string, unknown>;
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return { problem: messages.keyMissing() };
  if (typeof raw === 'string') {
    try {
      jwk = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return { problem: messages.keyNotJson() };
    }
  } else {
    jwk = raw as Record<string, unknown>;
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return { problem: messages.keyNotJson() };
  // Okta's "JSON" export of a key set: { keys: [ ... ] } with one key.
  if (Array.isArray((jwk as { keys?: unknown }).keys) && (jwk as { keys: unknown[] }).keys.length === 1) {
    jwk = (jwk as { keys: Record<string, unknown>[] }).keys[0];
  }
  const kid = typeof jwk.kid === 'string' && jwk.kid.trim() !== '' ? jwk.kid : undefined;
  const kty = jwk.kty;
  if (kty !== 'RSA' && kty !== 'EC') return { problem: messages.keyUnsupported(`kty ${String(kty ?? 'missing')}`) };
  if (typeof jwk.d !== 'string' || jwk.d === '') return { problem: messages.keyIsPublic(kid) };
  if (!kid) return { problem: messages.keyWithoutKid() };
  let alg: SigningKeyInfo['alg'];
  if (kty === 'RSA') {
    alg = 'RS256';
  } else {
    const byCurve: Record<string, SigningKeyInfo['alg']> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
    const found = byCurve[String(jwk.crv)];
    if (!found) return { problem: messages.keyUnsupported(`EC curve ${String(jwk.crv ?? 'missing')}`) };
    alg = found;
  }
  // Only what signing needs: drop `alg`/`use`/`key_ops` that could make jose refuse the import.
  const { alg: _alg, use: _use, key_ops: _ops, ...material } = jwk;
  void _alg;
  void _use;
  void _ops;
  return { key: { jwk: material as JWK, kid, alg } };
}

function checkNumber(name: string, value: number | undefined, fallback: number, ok: (n: number) => boolean, rule: string) {
  if (value === undefined) return { value: fallback };
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) return { problem: messages.option(name, rule) };
  return { value };
}

/** Every check, in order; the first problem wins (one thing to fix at a time). */
export function resolveOktaSettings(s: OktaDirectorySettings): ResolvedOktaSettings | { problem: string } {
  const url = checkOrgUrl(s.orgUrl, s.allowHttpLoopback ?? false);
  if ('problem' in url) return url;
  const clientId = (s.clientId ?? '').trim();
  if (!clientId) return { problem: messages.clientIdMissing() };
  const key = checkPrivateJwk(s.privateJwk);
  if ('problem' in key) return key;
  const statuses = parseActiveStatuses(s.activeStatuses);
  if ('problem' in statuses) return { problem: messages.activeStatuses(statuses.problem) };
  const dpop = s.dpop ?? DEFAULTS.dpop;
  if (!['auto', 'always', 'never'].includes(dpop)) return { problem: messages.option('dpop', "must be 'auto', 'always' or 'never'") };
  const numbers = [
    checkNumber('budgetShare', s.budgetShare, DEFAULTS.budgetShare, (n) => n > 0 && n <= 1, 'must be > 0 and <= 1'),
    checkNumber('memberConcurrency', s.memberConcurrency, DEFAULTS.memberConcurrency, (n) => Number.isInteger(n) && n >= 1 && n <= 50, 'must be an integer from 1 to 50'),
    checkNumber('requestTimeoutMs', s.requestTimeoutMs, DEFAULTS.requestTimeoutMs, (n) => n >= 100, 'must be at least 100 ms'),
    checkNumber('maxRetries', s.maxRetries, DEFAULTS.maxRetries, (n) => Number.isInteger(n) && n >= 0 && n <= 20, 'must be an integer from 0 to 20'),
    checkNumber('incrementalMarginMs', s.incrementalMarginMs, DEFAULTS.incrementalMarginMs, (n) => n >= 0, 'must be >= 0'),
  ];
  for (const n of numbers) if ('problem' in n) return { problem: n.problem! };
  const [budgetShare, memberConcurrency, requestTimeoutMs, maxRetries, incrementalMarginMs] = numbers.map((n) => n.value!);
  return {
    orgUrl: url.orgUrl,
    tokenUrl: `${url.orgUrl}/oauth2/v1/token`,
    clientId,
    key: key.key,
    activeStatuses: statuses.statuses,
    dpop,
    budgetShare,
    memberConcurrency,
    requestTimeoutMs,
    maxRetries,
    incrementalMarginMs,
  };
}

// What the admin reads when Okta directory sync cannot work, and what to do about it. Every text
// names the setting or the Okta console tab to change, and never contains a secret (no key
// material, no token, no assertion). The setup steps referred to are those of the Okta guide,
// "Obtaining Directory Synchronization credentials".
import { DirectoryFetchError } from '../../directory-provider';

export const REQUIRED_SCOPES = ['okta.users.read', 'okta.groups.read'] as const;

/** Stable codes in `DirectoryFetchError.details.providerCode` for problems the admin must fix. */
export type OktaProblemCode =
  | 'invalid_settings'
  | 'invalid_client'
  | 'invalid_scope'
  | 'dpop_required'
  | 'forbidden'
  | 'unreachable'
  | 'token_error'
  | 'api_error'
  | 'rate_limited'
  | 'bad_response';

export function oktaProblem(
  message: string,
  providerCode: OktaProblemCode | string,
  details: { endpoint?: string; status?: number; cause?: unknown } = {},
): DirectoryFetchError {
  return new DirectoryFetchError(message, { ...details, providerCode });
}

// ---- settings -----------------------------------------------------------------------------

export const messages = {
  orgUrlInvalid: (raw: string) =>
    `The Okta org URL "${raw}" is not a valid URL: use your Okta domain, e.g. https://example.okta.com`,
  orgUrlNotHttps: (raw: string) => `The Okta org URL "${raw}" must use https`,
  orgUrlAdmin: (raw: string, suggested: string) =>
    `The Okta org URL "${raw}" is the admin console URL: use the org URL without "-admin" (${suggested})`,
  orgUrlAuthorizationServer: (raw: string, suggested: string) =>
    `The Okta org URL "${raw}" points to an authorization server (/oauth2/...): directory sync needs the org URL itself (${suggested}); the token endpoint and the Users and Groups APIs live there`,
  orgUrlPath: (raw: string, suggested: string) =>
    `The Okta org URL "${raw}" must not have a path, query or fragment: use ${suggested}`,
  clientIdMissing: () => 'The Directory Sync Client ID is empty: copy the client ID of the Okta "API services" app',
  keyMissing: () => 'The Directory Sync Private Key is empty: paste the private key of the Okta "API services" app in JSON format',
  keyNotJson: () =>
    'The Directory Sync Private Key is not a JSON key: in Okta, generate the key pair and copy the private key in JSON format (not PEM)',
  keyWithoutKid: () =>
    'The Directory Sync Private Key has no "kid" (key id): copy the whole JSON private key from Okta, which includes its kid',
  keyIsPublic: (kid: string | undefined) =>
    `The Directory Sync Private Key${kid ? ` (kid ${kid})` : ''} is a public key: paste the private key from Okta (the JSON that contains "d")`,
  keyUnsupported: (what: string) =>
    `The Directory Sync Private Key is not usable for signing (${what}): use an RSA or EC (P-256, P-384, P-521) key generated in Okta`,
  keyUnreadable: (kid: string | undefined) =>
    `The Directory Sync Private Key${kid ? ` (kid ${kid})` : ''} could not be loaded: paste the private key again, exactly as Okta shows it in JSON format`,
  activeStatuses: (problem: string) => `Invalid Okta status mapping: ${problem}`,
  option: (name: string, rule: string) => `Invalid Okta directory sync option ${name}: ${rule}`,

  // ---- token endpoint --------------------------------------------------------------------
  invalidClient: (kid: string | undefined) =>
    `Okta rejected the client assertion: check that the Directory Sync Client ID matches the API services app and that its public key (kid ${kid ?? 'unknown'}) is registered`,
  invalidScope: (description?: string) =>
    `Okta refused the scopes: grant ${REQUIRED_SCOPES.join(' and ')} to the app in its "Okta API Scopes" tab${description ? ` (Okta: ${description})` : ''}`,
  dpopRequiredButDisabled: () =>
    'The Okta app requires DPoP ("Require Demonstrating Proof of Possession (DPoP) header in token requests") but DPoP is set to "never": set DPoP to "auto" or turn the requirement off in the app\'s General settings',
  dpopRejected: (description?: string) =>
    `Okta rejected the DPoP proof${description ? ` (Okta: ${description})` : ''}: check that the local clock is correct`,
  tokenRefused: (status: number, error: string, description?: string) =>
    `Okta's token endpoint refused the request (HTTP ${status}, ${error}${description ? `: ${description}` : ''})`,
  tokenEndpointMissing: (url: string, status: number) =>
    `No Okta token endpoint at ${url} (HTTP ${status}): check that the org URL is your Okta domain`,
  tokenMalformed: (url: string) => `Okta's token endpoint at ${url} answered something that is not a token response`,

  // ---- management API --------------------------------------------------------------------
  forbidden: () =>
    `Okta answered 403 E0000006 (no permission): grant ${REQUIRED_SCOPES.join(' and ')} in Okta API Scopes and assign the app an admin role (Read-only Administrator)`,
  unauthorized: (endpoint: string) =>
    `Okta refused the access token for ${endpoint} even after a fresh token was obtained (401): check the app's scopes and admin role`,
  apiError: (endpoint: string, status: number, code?: string, summary?: string) =>
    `Okta API call ${endpoint} failed with HTTP ${status}${code ? ` ${code}` : ''}${summary ? `: ${summary}` : ''}`,
  unreachable: (url: string, networkError: string) => `Cannot reach the Okta org at ${url}: ${networkError}`,
  timedOut: (endpoint: string, ms: number) => `The request to Okta ${endpoint} timed out after ${ms} ms`,
  rateLimited: (endpoint: string, tries: number) =>
    `Okta kept answering 429 (rate limit exceeded) for ${endpoint} after ${tries} waits for the reset: another integration may be using the org's budget; lower budgetShare or retry later`,
  serverErrors: (endpoint: string, status: number, tries: number) =>
    `Okta answered HTTP ${status} for ${endpoint} ${tries} times in a row; the listing is incomplete`,
  malformedJson: (endpoint: string) => `Okta answered ${endpoint} with malformed JSON; the listing is incomplete`,
  notAnArray: (endpoint: string) => `Okta answered ${endpoint} with something other than a JSON array; the listing is incomplete`,
  badObject: (endpoint: string, what: string) => `Okta answered ${endpoint} with ${what}; the listing is incomplete`,
  badLinkHeader: (endpoint: string, what: string) => `Okta's pagination Link header for ${endpoint} is unusable (${what}); the listing is incomplete`,
  pageLoop: (endpoint: string) => `Okta's next link for ${endpoint} points back to the same page; the listing is incomplete`,
};

/** Turns fetch's network failure into words: `fetch failed` hides the useful part in `cause`. */
export function describeNetworkError(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string; errors?: Array<{ code?: string; message?: string }> } };
  const cause = e?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code ?? e?.code;
  const detail = cause?.message || cause?.errors?.[0]?.message || e?.message || String(error);
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found (DNS)',
    EAI_AGAIN: 'DNS lookup failed temporarily',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    CERT_HAS_EXPIRED: 'TLS certificate expired',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
    UND_ERR_SOCKET: 'connection closed by the server',
  };
  if (code && known[code]) return `${known[code]} (${code})`;
  return code ? `${detail} (${code})` : detail;
}

import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { UpstreamError } from '../common/errors';
import { HttpClientError, httpRequest, parseJson } from '../common/http-client';
import { isLoopbackHost } from './base-url';

/** The fields of an OpenID Provider configuration this service uses (OIDC Discovery 1.0 §3). */
export interface DiscoveryDocument {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  end_session_endpoint?: string;
  response_types_supported: string[];
  code_challenge_methods_supported?: string[];
  id_token_signing_alg_values_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  scopes_supported?: string[];
  /** The whole document as received. */
  raw: Record<string, unknown>;
}

export type DiscoveryFailure =
  | 'discovery_unreachable'
  | 'discovery_timeout'
  | 'discovery_redirect'
  | 'discovery_http_status'
  | 'discovery_invalid_document'
  | 'issuer_mismatch'
  | 'discovery_missing_endpoints'
  | 'discovery_code_flow_unsupported';

/** Discovery failed; `code` says which rule, `message` says what to fix (it is shown to admins). */
export class DiscoveryError extends UpstreamError {
  constructor(message: string, code: DiscoveryFailure, options?: { cause?: unknown; endpoint?: string; status?: number }) {
    super(message, code, options);
  }
}

export const WELL_KNOWN_PATH = '/.well-known/openid-configuration';
/** How long a fetched document is reused by sign-in; a provider change invalidates it at once. */
export const DISCOVERY_TTL_MS = 10 * 60 * 1000;
const MAX_SAME_ORIGIN_REDIRECTS = 3;
const MAX_DOCUMENT_BYTES = 512 * 1024;
const REQUIRED_ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const;

/** OIDC Discovery 1.0 §4: the issuer with any trailing slash removed, then the well-known path. */
export function discoveryUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${WELL_KNOWN_PATH}`;
}

/**
 * OIDC Discovery 1.0 §4.3: the `issuer` returned MUST be identical to the issuer URL used to
 * fetch the document. Names both values and the likely fix (trailing slash, Okta "-admin").
 */
export function checkIssuerMatches(baseUrl: string, issuer: unknown): void {
  if (issuer === baseUrl) return;
  if (typeof issuer !== 'string' || issuer === '') {
    throw new DiscoveryError(`The OpenID configuration at ${discoveryUrl(baseUrl)} has no "issuer"; is base_url an OpenID Connect provider?`, 'discovery_invalid_document');
  }
  let hint = `set base_url to "${issuer}"`;
  if (issuer.replace(/\/+$/, '') === baseUrl.replace(/\/+$/, '')) hint = `they differ only in the trailing slash: set base_url to "${issuer}"`;
  else if (/-admin\./i.test(baseUrl) && baseUrl.replace(/-admin\./i, '.') === issuer) hint = `remove "-admin" from the Okta domain: set base_url to "${issuer}"`;
  throw new DiscoveryError(
    `The issuer in ${discoveryUrl(baseUrl)} is "${issuer}" but base_url is "${baseUrl}"; they must be identical (OpenID Connect Discovery §4.3): ${hint}`,
    'issuer_mismatch',
  );
}

/** OIDC Discovery 1.0 §3: authorization_endpoint, token_endpoint (code flow) and jwks_uri are required, as absolute URLs. */
export function checkEndpoints(document: Record<string, unknown>, endpointUrlAllowed: (url: URL) => boolean, source: string): void {
  const missing = REQUIRED_ENDPOINTS.filter((name) => typeof document[name] !== 'string' || document[name] === '');
  if (missing.length > 0) {
    throw new DiscoveryError(`The OpenID configuration at ${source} has no ${missing.join(', ')}; sign-in needs all of authorization_endpoint, token_endpoint and jwks_uri`, 'discovery_missing_endpoints');
  }
  for (const name of REQUIRED_ENDPOINTS) {
    const value = document[name] as string;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || !endpointUrlAllowed(url)) {
      throw new DiscoveryError(`The OpenID configuration at ${source} has ${name} "${value}", which is not an absolute https URL`, 'discovery_invalid_document');
    }
  }
}

/** OIDC Discovery 1.0 §3: response_types_supported is required; this service uses the code flow. */
export function checkCodeFlowSupported(document: Record<string, unknown>, source: string): void {
  const types = document.response_types_supported;
  const list = Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string') : [];
  // Each entry is a space-separated set; only the plain authorization code flow is used.
  if (!list.some((entry) => entry.split(' ').filter(Boolean).join(' ') === 'code')) {
    throw new DiscoveryError(`The OpenID configuration at ${source} does not list "code" in response_types_supported; this service signs in with the authorization code flow`, 'discovery_code_flow_unsupported');
  }
}

interface CacheEntry {
  expiresAt: number;
  document: Promise<DiscoveryDocument>;
}

/**
 * Fetches and checks `<base_url>/.well-known/openid-configuration`, caching each issuer's document
 * for DISCOVERY_TTL_MS. Used at save time (fresh) and by sign-in (cached). Concurrent callers of
 * the same issuer share one request.
 */
@Injectable()
export class DiscoveryService {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(private readonly config: AppConfig) {}

  /** Throws DiscoveryError (an UpstreamError) naming the rule that failed. */
  discover(baseUrl: string, options: { fresh?: boolean } = {}): Promise<DiscoveryDocument> {
    const cached = this.cache.get(baseUrl);
    if (!options.fresh && cached && cached.expiresAt > Date.now()) return cached.document;
    const document = this.fetchAndCheck(baseUrl);
    this.cache.set(baseUrl, { expiresAt: Date.now() + DISCOVERY_TTL_MS, document });
    // A failure is not cached: the admin fixes the provider and the next call tries again.
    document.catch(() => {
      if (this.cache.get(baseUrl)?.document === document) this.cache.delete(baseUrl);
    });
    return document;
  }

  /** Drops one issuer's document, or all of them (the provider changed). */
  invalidate(baseUrl?: string): void {
    if (baseUrl === undefined) this.cache.clear();
    else this.cache.delete(baseUrl);
  }

  private async fetchAndCheck(baseUrl: string): Promise<DiscoveryDocument> {
    const source = discoveryUrl(baseUrl);
    const document = await this.fetchDocument(source);
    checkIssuerMatches(baseUrl, document.issuer);
    checkEndpoints(document, (url) => this.endpointUrlAllowed(url), source);
    checkCodeFlowSupported(document, source);
    const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined);
    const string = (value: unknown) => (typeof value === 'string' ? value : undefined);
    return {
      issuer: document.issuer as string,
      authorization_endpoint: document.authorization_endpoint as string,
      token_endpoint: document.token_endpoint as string,
      jwks_uri: document.jwks_uri as string,
      userinfo_endpoint: string(document.userinfo_endpoint),
      end_session_endpoint: string(document.end_session_endpoint),
      response_types_supported: strings(document.response_types_supported) ?? [],
      code_challenge_methods_supported: strings(document.code_challenge_methods_supported),
      id_token_signing_alg_values_supported: strings(document.id_token_signing_alg_values_supported),
      token_endpoint_auth_methods_supported: strings(document.token_endpoint_auth_methods_supported),
      scopes_supported: strings(document.scopes_supported),
      raw: document,
    };
  }

  private async fetchDocument(source: string): Promise<Record<string, unknown>> {
    const check = `check base_url: ${source} must serve the provider's OpenID configuration`;
    let body: unknown;
    try {
      const response = await httpRequest(source, {
        headers: { accept: 'application/json' },
        timeoutMs: this.config.outboundHttpTimeoutMs,
        maxBodyBytes: MAX_DOCUMENT_BYTES,
        maxRedirects: MAX_SAME_ORIGIN_REDIRECTS,
      });
      if (response.status !== 200) {
        throw new DiscoveryError(`GET ${response.url} answered HTTP ${response.status}; ${check}`, 'discovery_http_status', { status: response.status, endpoint: source });
      }
      body = parseJson(response);
    } catch (error) {
      if (!(error instanceof HttpClientError)) throw error;
      const options = { cause: error, endpoint: source };
      switch (error.failure) {
        case 'timeout':
          throw new DiscoveryError(`The OpenID configuration could not be fetched: ${error.message}; ${check}`, 'discovery_timeout', options);
        case 'cross_origin_redirect':
        case 'too_many_redirects':
          throw new DiscoveryError(`The OpenID configuration could not be fetched: ${error.message}; base_url must be the issuer itself, not a URL that redirects`, 'discovery_redirect', options);
        case 'invalid_json':
        case 'body_too_large':
          throw new DiscoveryError(`The OpenID configuration could not be read: ${error.message}; ${check}`, 'discovery_invalid_document', options);
        default:
          throw new DiscoveryError(`The OpenID configuration could not be fetched: ${error.message}; ${check}`, 'discovery_unreachable', options);
      }
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new DiscoveryError(`${source} did not answer a JSON object; ${check}`, 'discovery_invalid_document', { endpoint: source });
    }
    return body as Record<string, unknown>;
  }

  private endpointUrlAllowed(url: URL): boolean {
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && this.config.allowHttpLoopbackProviders && isLoopbackHost(url.hostname);
  }
}

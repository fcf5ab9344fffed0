import { isIP } from 'node:net';
import { ProviderKind } from './provider-kind';

export interface BaseUrlPolicy {
  /** ALLOW_HTTP_LOOPBACK_PROVIDERS: http:// accepted for loopback hosts (tests, local demos). */
  allowHttpLoopback: boolean;
}

const WELL_KNOWN = '/.well-known/openid-configuration';

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/**
 * base_url is the issuer (OpenID Connect Discovery 1.0 §4): an https URL with scheme, host and
 * optional path, and no query or fragment (§3, `issuer`). Returns the problem, or null.
 * The value is compared with the discovered issuer exactly, so it is never rewritten here.
 */
export function checkBaseUrl(baseUrl: string, policy: BaseUrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return `base_url must be an absolute URL such as https://your-org.okta.com (got "${baseUrl}")`;
  }
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) return `base_url must use https (got "${baseUrl}")`;
    if (!policy.allowHttpLoopback) {
      return `base_url must use https (got "${baseUrl}"); http is accepted for loopback addresses only when ALLOW_HTTP_LOOPBACK_PROVIDERS is on`;
    }
  } else if (url.protocol !== 'https:') {
    return `base_url must be an https URL (got "${baseUrl}")`;
  }
  if (url.username || url.password) return 'base_url must not contain a user name or password (user:password@): remove them';
  if (url.search || baseUrl.includes('?')) return `base_url must not contain a query (?...): use the issuer URL only (got "${baseUrl}")`;
  if (url.hash || baseUrl.includes('#')) return `base_url must not contain a fragment (#...): use the issuer URL only (got "${baseUrl}")`;
  if (url.pathname.replace(/\/+$/, '').endsWith(WELL_KNOWN)) {
    const issuer = baseUrl.slice(0, baseUrl.indexOf(WELL_KNOWN));
    return `base_url is the issuer, without ${WELL_KNOWN}: use "${issuer}"`;
  }
  return null;
}

/**
 * Okta's sign-in works with any authorization server, but directory sync calls the Management
 * API (`<base_url>/api/v1/...`, token at `<base_url>/oauth2/v1/token`), which only exists on the
 * org URL: not the `-admin` console domain, not a custom authorization server path.
 */
export function checkOktaOrgUrl(baseUrl: string, directorySyncEnabled: boolean): string | null {
  const url = new URL(baseUrl);
  if (/-admin\./i.test(url.hostname)) {
    const fixed = baseUrl.replace(/-admin\./i, '.');
    return `base_url "${baseUrl}" is the Okta admin console domain: remove "-admin" and use your Okta org URL "${fixed}"`;
  }
  if (directorySyncEnabled && url.pathname !== '/' && url.pathname !== '') {
    return `base_url "${baseUrl}" points to an Okta authorization server (${url.pathname}); directory sync needs the Okta org URL "${url.origin}" as base_url`;
  }
  return null;
}

/** Microsoft's directory sync reads the tenant from base_url (https://login.microsoftonline.com/<tenant>/v2.0). */
export function checkMicrosoftTenantUrl(baseUrl: string, directorySyncEnabled: boolean): string | null {
  if (!directorySyncEnabled) return null;
  const path = new URL(baseUrl).pathname;
  if (!/^\/[^/]+\/v2\.0\/?$/.test(path)) {
    return `base_url "${baseUrl}" has no tenant: Microsoft directory sync needs https://login.microsoftonline.com/<tenant id>/v2.0`;
  }
  return null;
}

/** Kind-specific base_url rules; null when the URL suits the kind. */
export function checkBaseUrlForKind(kind: ProviderKind, baseUrl: string, directorySyncEnabled: boolean): string | null {
  if (kind === 'Okta') return checkOktaOrgUrl(baseUrl, directorySyncEnabled);
  if (kind === 'Microsoft') return checkMicrosoftTenantUrl(baseUrl, directorySyncEnabled);
  return null;
}

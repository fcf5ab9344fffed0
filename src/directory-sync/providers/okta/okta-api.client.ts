// Authenticated GETs on the Okta management API: the access token (refreshed once on a 401), the
// DPoP proof when the token is bound, the `okta-response=omitCredentials,omitCredentialsLinks`
// content type (smaller pages), JSON parsing, and the next link of each page.
import { findNextLink, LinkHeaderError } from './link-header';
import { messages, oktaProblem } from './okta-errors';
import { endpointLabel, HttpAnswer, OktaHttpClient } from './okta-http.client';
import { OktaTokenClient } from './okta-token.client';
import type { OktaBucket } from './rate-limit-budget';

/** Okta SDK docs: "omitCredentials,omitCredentialsLinks" drops credential blocks from user objects. */
export const OKTA_CONTENT_TYPE = 'application/json; okta-response=omitCredentials,omitCredentialsLinks';

export interface Page {
  items: unknown[];
  /** The absolute URL of the next page, or null on the last one. */
  next: string | null;
}

export interface GetPageOptions {
  /** Okta: "If you receive an HTTP 500 status code, you more than likely have exceeded the request
   * timeout. Retry your request with a smaller limit" (GET /api/v1/users). Halves `limit` per 500. */
  halveLimitOnServerError?: boolean;
}

interface OktaApiErrorBody {
  errorCode?: string;
  errorSummary?: string;
}

export class OktaApiClient {
  constructor(
    private readonly http: OktaHttpClient,
    private readonly tokens: OktaTokenClient,
  ) {}

  /** One page of a listing: a JSON array and the next link. Retries a malformed body like a 5xx. */
  async getPage(url: string, bucket: OktaBucket, options: GetPageOptions = {}): Promise<Page> {
    let current = url;
    let malformed = 0;
    for (;;) {
      const answer = await this.get(current, bucket, options, (smaller) => (current = smaller));
      const endpoint = endpointLabel('GET', answer.url);
      let body: unknown;
      try {
        body = JSON.parse(answer.text);
      } catch (cause) {
        if (++malformed > this.http.maxRetries) throw oktaProblem(messages.malformedJson(endpoint), 'bad_response', { endpoint, status: answer.status, cause });
        await this.http.retryAfter(0, endpoint, 'malformed JSON');
        continue;
      }
      if (!Array.isArray(body)) throw oktaProblem(messages.notAnArray(endpoint), 'bad_response', { endpoint, status: answer.status });
      let next: string | null;
      try {
        next = findNextLink(answer.headers.get('link'), answer.url);
      } catch (cause) {
        const what = cause instanceof LinkHeaderError ? cause.message : String(cause);
        throw oktaProblem(messages.badLinkHeader(endpoint, what), 'bad_response', { endpoint, cause });
      }
      return { items: body, next };
    }
  }

  /**
   * A GET that ends in a 2xx answer, or throws. 401: one new token (Okta: tokens last an hour and
   * may be revoked), or a new resource nonce when Okta asks for one (RFC 9449 §9). 403 E0000006:
   * scopes or admin role missing (Defguard issue #3556).
   */
  private async get(url: string, bucket: OktaBucket, options: GetPageOptions, onSmaller: (url: string) => void): Promise<HttpAnswer> {
    let refreshed = false;
    let nonceRetries = 0;
    let requestUrl = url;
    for (;;) {
      const token = await this.tokens.getToken();
      const answer = await this.http.send(
        async () => ({
          method: 'GET',
          url: requestUrl,
          headers: {
            Accept: 'application/json',
            'Content-Type': OKTA_CONTENT_TYPE,
            ...(await this.tokens.authorizationHeaders(token, 'GET', requestUrl)),
          },
        }),
        bucket,
        {
          onServerError: (status) => {
            if (!options.halveLimitOnServerError || status !== 500) return;
            requestUrl = withHalvedLimit(requestUrl);
            onSmaller(requestUrl);
          },
        },
      );
      const endpoint = endpointLabel('GET', requestUrl);
      if (answer.status >= 200 && answer.status < 300) return answer;
      const body = safeJson(answer.text) as OktaApiErrorBody | undefined;
      if (answer.status === 401) {
        const nonce = answer.headers.get('dpop-nonce');
        if (nonce && /use_dpop_nonce/.test(answer.headers.get('www-authenticate') ?? '') && nonceRetries < 2) {
          nonceRetries++;
          this.tokens.resourceNonce = nonce;
          await this.http.retryAfter(0, endpoint, 'use_dpop_nonce');
          continue;
        }
        if (!refreshed) {
          refreshed = true;
          this.tokens.invalidate(token);
          await this.http.retryAfter(0, endpoint, '401: new access token');
          continue;
        }
        throw oktaProblem(messages.unauthorized(endpoint), 'api_error', { endpoint, status: 401 });
      }
      if (answer.status === 403) throw oktaProblem(messages.forbidden(), 'forbidden', { endpoint, status: 403 });
      throw oktaProblem(messages.apiError(endpoint, answer.status, body?.errorCode, body?.errorSummary), body?.errorCode ?? 'api_error', {
        endpoint,
        status: answer.status,
      });
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The `limit` query parameter, or null. */
export function limitOf(url: string): number | null {
  const raw = new URL(url).searchParams.get('limit');
  const n = raw === null ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** The same URL with `limit=n`, leaving the rest of the query exactly as Okta wrote it (Okta's
 * links encode spaces as %20; re-serialising with URLSearchParams would turn them into `+`). */
export function withLimit(url: string, n: number): string {
  const u = new URL(url);
  const query = u.search.replace(/^\?/, '');
  const parts = query ? query.split('&').filter((p) => !/^limit=/.test(p)) : [];
  parts.push(`limit=${n}`);
  return `${u.origin}${u.pathname}?${parts.join('&')}`;
}

/** The same request with `limit` halved (at least 1). */
export function withHalvedLimit(url: string): string {
  return withLimit(url, Math.max(1, Math.floor((limitOf(url) ?? 200) / 2)));
}

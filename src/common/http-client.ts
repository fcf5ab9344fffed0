/**
 * The one outbound HTTP helper (identity provider discovery, later the directory APIs): a timeout
 * on the whole exchange, a cap on the body size, redirects never followed across origins, and
 * errors that say what happened to which URL. Callers decide what an HTTP status means.
 */

export type HttpClientFailure =
  | 'invalid_url'
  | 'timeout'
  | 'network'
  | 'cross_origin_redirect'
  | 'too_many_redirects'
  | 'body_too_large'
  | 'invalid_json';

export class HttpClientError extends Error {
  constructor(
    readonly failure: HttpClientFailure,
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpClientError';
  }
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  /** Covers connect, headers and body; default 10 s (Defguard's per-request timeout). */
  timeoutMs?: number;
  /** Default 1 MiB: identity provider documents and API pages are far smaller. */
  maxBodyBytes?: number;
  /** Same-origin redirects followed for GET and HEAD; default 0 (a 3xx is returned as is). */
  maxRedirects?: number;
}

export interface HttpResponse {
  status: number;
  /** The URL that answered, after any same-origin redirects. */
  url: string;
  headers: Headers;
  text: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new HttpClientError('invalid_url', `${raw} is not an absolute URL`, raw);
  }
}

async function readBody(response: Response, url: string, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new HttpClientError('body_too_large', `${url} answered ${declared} bytes, more than the ${maxBytes} allowed`, url);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new HttpClientError('body_too_large', `${url} answered more than the ${maxBytes} bytes allowed`, url);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
}

/** Sends one request and reads the whole (bounded) body. Throws HttpClientError, never a raw fetch error. */
export async function httpRequest(rawUrl: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const method = (options.method ?? 'GET').toUpperCase();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxRedirects = method === 'GET' || method === 'HEAD' ? (options.maxRedirects ?? 0) : 0;
  const signal = AbortSignal.timeout(timeoutMs);
  let url = parseUrl(rawUrl);
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(url, { method, headers: options.headers, body: options.body, redirect: 'manual', signal });
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || !location || maxRedirects === 0) {
        return { status: response.status, url: url.toString(), headers: response.headers, text: await readBody(response, url.toString(), maxBodyBytes) };
      }
      await response.body?.cancel().catch(() => undefined);
      const target = new URL(location, url);
      if (target.origin !== url.origin) {
        throw new HttpClientError('cross_origin_redirect', `${url} redirects to another origin (${target}); redirects are only followed within the same origin`, url.toString());
      }
      if (redirects + 1 > maxRedirects) {
        throw new HttpClientError('too_many_redirects', `${rawUrl} redirected more than ${maxRedirects} times`, rawUrl);
      }
      url = target;
    }
  } catch (error) {
    if (error instanceof HttpClientError) throw error;
    if (signal.aborted) {
      throw new HttpClientError('timeout', `${url} did not answer within ${timeoutMs} ms`, url.toString(), { cause: error });
    }
    throw new HttpClientError('network', `${url} could not be reached (${describeNetworkError(error)})`, url.toString(), { cause: error });
  }
}

/** Parses a response body as JSON; the message names the URL, never echoes the body. */
export function parseJson(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.text);
  } catch {
    throw new HttpClientError('invalid_json', `${response.url} did not answer a JSON document`, response.url);
  }
}

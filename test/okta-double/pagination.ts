// Okta's cursor pagination (developer.okta.com/docs/api/#pagination): a page holds at most `limit`
// items; when more may follow, the response carries `Link: <…?after=<cursor>&limit=<n>>; rel="next"`
// beside `Link: <…>; rel="self"`, each as its own header line with an absolute URL. The last page
// has no next link. `after` is opaque to clients; here it is the id of the last item returned, and
// the next page starts at the first id greater than it (a binary search), so a deleted cursor item
// never breaks a walk.
import { upperBound } from './sorted';

export interface PageLimits {
  /** Used when `limit` is absent or not a positive integer. */
  defaultLimit: number;
  /** Okta silently caps larger values at the endpoint's maximum. */
  maxLimit: number;
}

export interface Page<T> {
  items: T[];
  /** The cursor for the next page, or null when this page is the last one. */
  nextAfter: string | null;
}

export function parseLimit(raw: string | null, limits: PageLimits): number {
  const n = raw === null ? NaN : Number(raw);
  if (!Number.isInteger(n) || n < 1) return limits.defaultLimit;
  return Math.min(n, limits.maxLimit);
}

/** Takes up to `limit` items after cursor `after` that satisfy `accept`. Looks one match further
 * so that the last page carries no next link. Cost: O(log n) plus the items scanned. */
export function pageAfter<T>(
  sorted: readonly T[],
  idOf: (item: T) => string,
  after: string | null,
  limit: number,
  accept: (item: T) => boolean = () => true,
): Page<T> {
  let i = after ? upperBound(sorted, after, idOf) : 0;
  const items: T[] = [];
  for (; i < sorted.length && items.length < limit; i++) {
    if (accept(sorted[i])) items.push(sorted[i]);
  }
  for (; i < sorted.length; i++) {
    if (accept(sorted[i])) return { items, nextAfter: idOf(items[items.length - 1]) };
  }
  return { items, nextAfter: null };
}

/** Encodes query parameters with %20 for spaces (never `+`), as Okta's own links do. */
function encodeQuery(params: Array<[string, string]>): string {
  return params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** The `Link` header lines: `self` echoes the request; `next` keeps its other parameters and sets
 * `after` and `limit`. */
export function linkHeaders(
  baseUrl: string,
  pathname: string,
  query: URLSearchParams,
  limit: number,
  nextAfter: string | null,
): string[] {
  const self = [...query.entries()];
  const selfUrl = `${baseUrl}${pathname}${self.length ? '?' + encodeQuery(self) : ''}`;
  const lines = [`<${selfUrl}>; rel="self"`];
  if (nextAfter !== null) {
    const next = self.filter(([k]) => k !== 'after' && k !== 'limit');
    next.push(['after', nextAfter], ['limit', String(limit)]);
    lines.push(`<${baseUrl}${pathname}?${encodeQuery(next)}>; rel="next"`);
  }
  return lines;
}

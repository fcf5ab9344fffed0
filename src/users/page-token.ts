import { ValidationError } from '../common/errors';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** 0 or unset -> the default; above the maximum -> clamped; negative or fractional -> refused. */
export function pageSize(value: unknown): number {
  if (value === undefined || value === null || value === '' || value === 0) return DEFAULT_PAGE_SIZE;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 0) throw new ValidationError(`page_size must be a non-negative integer (got ${JSON.stringify(value)})`);
  return Math.min(size, MAX_PAGE_SIZE);
}

/**
 * Page tokens are opaque to callers: base64url of the last row's sort key. A keyset (not an
 * offset) keeps pages stable while rows are added or removed between calls.
 */
export function encodePageToken(lastKey: string): string {
  return Buffer.from(JSON.stringify({ k: lastKey }), 'utf8').toString('base64url');
}

/** The sort key after which the next page starts, or undefined for the first page. */
export function decodePageToken(token: unknown): string | undefined {
  if (token === undefined || token === null || token === '') return undefined;
  if (typeof token === 'string' && /^[A-Za-z0-9_-]+$/.test(token)) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: unknown };
      if (typeof parsed.k === 'string') return parsed.k;
    } catch {
      /* falls through to the error below */
    }
  }
  throw new ValidationError('page_token is not a token this service issued; start again with an empty page_token', 'invalid_page_token');
}

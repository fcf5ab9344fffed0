import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented secret with the expected one in time independent of where they differ and
 * of their lengths (both are hashed to 32 bytes first, so timingSafeEqual never sees unequal lengths).
 */
export function constantTimeEquals(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** `Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1) -> the token, else undefined. */
export function parseBearer(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * directory_sync_group_match arrives as a comma-separated string (Defguard's wire format) or as a
 * list. Items are trimmed and empty ones dropped (Defguard keeps "" for "a,,b", which then matches
 * nothing). Returns undefined for anything else so the DTO can refuse it.
 */
export function parseGroupMatch(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return [];
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;
  if (!items) return undefined;
  const seen = new Set<string>();
  for (const item of items) {
    const name = item.trim();
    if (name) seen.add(name);
  }
  return [...seen];
}

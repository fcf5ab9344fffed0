// Binary search over arrays kept sorted by an id string: the cursors (`after`) of every listing
// index into these arrays, so a page costs O(log n + page) whatever the directory size.

/** First index whose id is >= `id`. */
export function lowerBound<T>(sorted: readonly T[], id: string, idOf: (item: T) => string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (idOf(sorted[mid]) < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose id is > `id` (where the page after cursor `id` starts). */
export function upperBound<T>(sorted: readonly T[], id: string, idOf: (item: T) => string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (idOf(sorted[mid]) <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts keeping the order; returns false when an item with that id is already there. */
export function insertSorted<T>(sorted: T[], item: T, idOf: (item: T) => string): boolean {
  const id = idOf(item);
  const at = lowerBound(sorted, id, idOf);
  if (at < sorted.length && idOf(sorted[at]) === id) return false;
  sorted.splice(at, 0, item);
  return true;
}

/** Removes the item with that id; returns false when absent. */
export function removeSorted<T>(sorted: T[], id: string, idOf: (item: T) => string): boolean {
  const at = lowerBound(sorted, id, idOf);
  if (at >= sorted.length || idOf(sorted[at]) !== id) return false;
  sorted.splice(at, 1);
  return true;
}

export const selfId = (s: string): string => s;
export const recordId = (r: { id: string }): string => r.id;

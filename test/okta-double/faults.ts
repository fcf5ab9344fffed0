// Fault injection: the failures a sync client must survive (or fail closed on).
export type FaultKind = 'status' | 'timeout' | 'malformed-json' | 'truncate-page' | 'drop-connection';

export interface FaultSpec {
  /** Which requests: a RegExp tested against `METHOD /path?query`, or a string contained in the
   * path and query. Default: every request. */
  route?: RegExp | string;
  kind: FaultKind;
  /** For kind 'status' (default 500). */
  status?: number;
  /** How many matching requests fail (default 1; Infinity for all). */
  times?: number;
}

interface PendingFault extends FaultSpec {
  remaining: number;
}

/** Faults applied before the handler runs, and those that alter the handler's answer. */
export const EARLY_FAULTS: ReadonlySet<FaultKind> = new Set(['status', 'timeout', 'drop-connection']);

export class FaultInjector {
  private faults: PendingFault[] = [];

  inject(spec: FaultSpec): void {
    this.faults.push({ ...spec, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.faults = [];
  }

  get pending(): number {
    return this.faults.length;
  }

  /** Consumes and returns the first pending fault matching this request and `applicable`. */
  take(method: string, pathAndQuery: string, applicable: (kind: FaultKind) => boolean): PendingFault | null {
    const index = this.faults.findIndex((f) => applicable(f.kind) && matches(f, method, pathAndQuery));
    if (index < 0) return null;
    const fault = this.faults[index];
    if (--fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }
}

function matches(f: FaultSpec, method: string, pathAndQuery: string): boolean {
  if (f.route === undefined) return true;
  if (typeof f.route === 'string') return pathAndQuery.includes(f.route);
  f.route.lastIndex = 0;
  return f.route.test(`${method} ${pathAndQuery}`);
}

import { chooseSyncMode, ModeInput } from './sync-mode';

const now = new Date('2026-01-02T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
const input = (overrides: Partial<ModeInput> = {}): ModeInput => ({
  supportsIncremental: true,
  providerKind: 'Okta',
  lastSucceeded: { startedAt: hoursAgo(1), providerKind: 'Okta' },
  lastFullSucceeded: hoursAgo(5),
  fullSyncIntervalSeconds: 86400,
  now,
  ...overrides,
});

describe('chooseSyncMode', () => {
  it('is INCREMENTAL from the last success (any mode) when a full run is recent', () => {
    expect(chooseSyncMode(input())).toEqual({ mode: 'INCREMENTAL', since: hoursAgo(1), reason: `changes since ${hoursAgo(1).toISOString()}` });
  });

  it.each([
    ['no previous success', { lastSucceeded: null, lastFullSucceeded: null }, /no previous successful run/],
    ['no full success yet', { lastFullSucceeded: null }, /no previous successful full run/],
    ['the last full run is a day old', { lastFullSucceeded: hoursAgo(24) }, /older than full_sync_interval_seconds \(86400\)/],
    ['the adapter cannot', { supportsIncremental: false }, /lists in full only/],
    ['the provider changed', { lastSucceeded: { startedAt: hoursAgo(1), providerKind: 'Google' } }, /another provider \(Google\)/],
    ['asked for', { requested: 'full' as const }, /full run requested/],
  ])('is FULL when %s', (_, overrides, reason) => {
    const decision = chooseSyncMode(input(overrides));
    expect(decision).toMatchObject({ mode: 'FULL', since: null });
    expect(decision.reason).toMatch(reason);
  });

  it('honours a requested incremental run before the full run is due, but never without a base or the capability', () => {
    expect(chooseSyncMode(input({ requested: 'incremental', lastFullSucceeded: hoursAgo(48) })).mode).toBe('INCREMENTAL');
    expect(chooseSyncMode(input({ requested: 'incremental', lastSucceeded: null })).mode).toBe('FULL');
    expect(chooseSyncMode(input({ requested: 'incremental', supportsIncremental: false })).mode).toBe('FULL');
  });
});

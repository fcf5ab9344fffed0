import {
  budgetWaitMs,
  mergeObservation,
  RateLimitBudget,
  readRateLimitHeaders,
  retryAfter429Ms,
  ServerClock,
} from './rate-limit-budget';

const RESET_S = 1_700_000_060; // the window ends at this second on Okta's clock
const obs = (remaining: number, limit = 600, resetEpochSeconds = RESET_S) => ({ limit, remaining, resetEpochSeconds });

describe('budgetWaitMs (never more than budgetShare of a bucket per window)', () => {
  const serverNow = (RESET_S - 20) * 1000; // 20 s before the reset

  it('lets a request go while remaining - inFlight is above limit * (1 - share)', () => {
    expect(budgetWaitMs(obs(301), 0, 0.5, serverNow)).toBe(0);
    expect(budgetWaitMs(obs(305), 4, 0.5, serverNow)).toBe(0);
  });

  it('waits until the reset once the share is spent, counting requests in flight', () => {
    expect(budgetWaitMs(obs(300), 0, 0.5, serverNow)).toBe(20_000);
    expect(budgetWaitMs(obs(303), 3, 0.5, serverNow)).toBe(20_000);
    expect(budgetWaitMs(obs(541), 0, 0.1, serverNow)).toBe(0);
    expect(budgetWaitMs(obs(540), 0, 0.1, serverNow)).toBe(20_000);
  });

  it('uses the whole bucket with share 1 and stops at 0', () => {
    expect(budgetWaitMs(obs(1), 0, 1, serverNow)).toBe(0);
    expect(budgetWaitMs(obs(0), 0, 1, serverNow)).toBe(20_000);
  });

  it('does not wait when nothing is known yet or the reset has passed on Okta\'s clock', () => {
    expect(budgetWaitMs(null, 3, 0.5, serverNow)).toBe(0);
    expect(budgetWaitMs(obs(0), 0, 0.5, RESET_S * 1000)).toBe(0);
  });
});

describe('retryAfter429Ms', () => {
  it('waits until X-Rate-Limit-Reset on the server clock, plus jitter', () => {
    expect(retryAfter429Ms(obs(0), (RESET_S - 3) * 1000 + 250, 100, 999)).toBe(2750 + 100);
  });

  it('does not wait a negative time, and falls back without headers', () => {
    expect(retryAfter429Ms(obs(0), (RESET_S + 5) * 1000, 10, 999)).toBe(10);
    expect(retryAfter429Ms(null, 0, 10, 500)).toBe(510);
  });
});

describe('ServerClock (Okta\'s clock from the Date header)', () => {
  it('estimates the offset from Date, keeping the largest sample (Date is truncated to the second)', () => {
    let local = Date.parse('2024-05-01T12:00:00.000Z');
    const sut = new ServerClock(() => local);
    expect(sut.serverNow()).toBe(local);
    // Okta is 10 min ahead; the samples arrive 0.7 s and 0.1 s into the server's second.
    sut.observeDate('Wed, 01 May 2024 12:10:00 GMT', local + 700);
    sut.observeDate('Wed, 01 May 2024 12:10:01 GMT', local + 1100);
    expect(sut.offset).toBe(600_000 - 100);
    local += 5000;
    expect(sut.serverNow()).toBe(local + 600_000 - 100);
  });

  it('follows a clock jump backwards and ignores an unreadable Date', () => {
    const local = Date.parse('2024-05-01T12:00:00.000Z');
    const sut = new ServerClock(() => local);
    sut.observeDate('Wed, 01 May 2024 12:10:00 GMT', local);
    sut.observeDate('not a date', local);
    expect(sut.offset).toBe(600_000);
    sut.observeDate('Wed, 01 May 2024 11:50:00 GMT', local);
    expect(sut.offset).toBe(-600_000);
  });
});

describe('readRateLimitHeaders and mergeObservation', () => {
  it('reads the three headers, or nothing when one is missing', () => {
    const h = new Headers({ 'X-Rate-Limit-Limit': '600', 'X-Rate-Limit-Remaining': '12', 'X-Rate-Limit-Reset': String(RESET_S) });
    expect(readRateLimitHeaders(h)).toEqual(obs(12));
    expect(readRateLimitHeaders(new Headers({ 'X-Rate-Limit-Limit': '600', 'X-Rate-Limit-Remaining': '12' }))).toBeNull();
    expect(readRateLimitHeaders(new Headers({ 'X-Rate-Limit-Limit': 'x', 'X-Rate-Limit-Remaining': '1', 'X-Rate-Limit-Reset': '1' }))).toBeNull();
  });

  it('keeps the lowest remaining within a window and the newest window across them', () => {
    expect(mergeObservation(obs(10), obs(12))).toEqual(obs(10));
    expect(mergeObservation(obs(10), obs(590, 600, RESET_S + 60))).toEqual(obs(590, 600, RESET_S + 60));
    expect(mergeObservation(obs(590, 600, RESET_S + 60), obs(3))).toEqual(obs(590, 600, RESET_S + 60));
  });
});

describe('RateLimitBudget', () => {
  it('sleeps until the reset on Okta\'s clock once the share is spent, then treats the window as new', async () => {
    let local = 1_000_000;
    const clock = new ServerClock(() => local);
    // Okta's clock: 1 hour ahead of ours.
    clock.observeDate(new Date(local + 3_600_000).toUTCString(), local);
    const sleeps: number[] = [];
    const sut = new RateLimitBudget(0.5, clock, async (ms) => {
      sleeps.push(ms);
      local += ms;
    }, 0);
    const resetS = Math.floor((clock.serverNow() + 30_000) / 1000);
    await sut.acquire('users');
    sut.release('users', { limit: 10, remaining: 5, resetEpochSeconds: resetS });
    await sut.acquire('users');
    expect(sleeps).toHaveLength(1);
    expect(clock.serverNow()).toBe(resetS * 1000);
    expect(sleeps[0]).toBeGreaterThan(29_000);
    expect(sleeps[0]).toBeLessThanOrEqual(30_000);
  });

  it('counts in-flight requests so concurrent callers do not overspend', async () => {
    const clock = new ServerClock(() => 0);
    const sleeps: number[] = [];
    let wake = () => {};
    const sut = new RateLimitBudget(0.5, clock, (ms) => {
      sleeps.push(ms);
      return new Promise<void>((resolve) => (wake = resolve));
    }, 0);
    await sut.acquire('members');
    sut.release('members', { limit: 10, remaining: 7, resetEpochSeconds: 60 });
    await sut.acquire('members'); // 7 - 0 > 5
    await sut.acquire('members'); // 7 - 1 > 5
    const third = sut.acquire('members'); // 7 - 2 = 5: must wait
    await Promise.resolve();
    expect(sleeps).toEqual([60_000]);
    sut.release('members', { limit: 10, remaining: 100, resetEpochSeconds: 120 });
    wake();
    await third;
    expect(sleeps).toEqual([60_000]);
  });
});

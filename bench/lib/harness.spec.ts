import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { summariseMetrics, mergeSeries, evaluateTargets, validateScenario, missingRequires, formatReport, median } from './harness';

const scenario = (over: Record<string, unknown> = {}) => ({
  name: 'users-sync',
  description: 'sync 100k users',
  requires: ['dist/users/users.module.js'],
  targets: [{ metric: 'peak_rss_mb', op: '<=', value: 256, unit: 'MiB', label: 'peak RSS at 100k users' }],
  run: async () => ({ metrics: {} }),
  ...over,
});

describe('harness', () => {
  describe('summariseMetrics', () => {
    it('computes median, min, max and spread per metric', () => {
      const sut = summariseMetrics([{ rps: 100 }, { rps: 120 }, { rps: 80 }], { rps: 'req/s' });

      expect(sut.rps).toEqual({ median: 100, min: 80, max: 120, spread: 0.4, unit: 'req/s' });
    });

    it('takes the mean of the middle two for an even number of runs', () => {
      expect(median([1, 2, 3, 10])).toBe(2.5);
    });

    it('leaves out non-finite values (NaN arrives as null from JSON)', () => {
      const sut = summariseMetrics([{ p99: null as unknown as number }, { p99: 5 }, { p99: NaN }]);

      expect(sut.p99).toEqual({ median: 5, min: 5, max: 5, spread: 0 });
    });

    it('gives nulls to a metric without any finite value, and a null spread around a zero median', () => {
      const sut = summariseMetrics([{ a: NaN, b: -1 }, { a: NaN, b: 0 }, { a: NaN, b: 1 }]);

      expect(sut.a).toEqual({ median: null, min: null, max: null, spread: null });
      expect(sut.b.spread).toBeNull();
    });
  });

  describe('mergeSeries', () => {
    it('takes the median y per label and x across runs', () => {
      const run = (ys: number[]) => [{ label: 'http', xLabel: 'c', yLabel: 'rps', points: ys.map((y, i) => ({ x: i + 1, y })) }];

      const sut = mergeSeries([run([10, 20]), run([30, 40]), run([20, 60])]);

      expect(sut).toEqual([{ label: 'http', xLabel: 'c', yLabel: 'rps', points: [{ x: 1, y: 20 }, { x: 2, y: 40 }] }]);
    });

    it('returns no series when no run had any', () => {
      expect(mergeSeries([undefined, []])).toEqual([]);
    });
  });

  describe('evaluateTargets', () => {
    it('compares the median with the target in the given direction', () => {
      const metrics = summariseMetrics([{ peak_rss_mb: 200, rps: 50 }]);

      const sut = evaluateTargets(
        [
          { metric: 'peak_rss_mb', op: '<=', value: 256, label: 'rss' },
          { metric: 'rps', op: '>=', value: 100, label: 'rps' },
        ],
        metrics,
      );

      expect(sut.map((t) => [t.label, t.measured, t.met])).toEqual([
        ['rss', 200, true],
        ['rps', 50, false],
      ]);
    });

    it('does not meet a target whose metric was not measured', () => {
      const [sut] = evaluateTargets([{ metric: 'missing', op: '>=', value: 0, label: 'x' }], {});

      expect(sut.measured).toBeNull();
      expect(sut.met).toBe(false);
    });
  });

  describe('validateScenario', () => {
    it('accepts a scenario that follows the contract', () => {
      expect(validateScenario(scenario())).toEqual([]);
    });

    it('names each broken part of the contract', () => {
      const sut = validateScenario(scenario({ name: 'Bad Name', targets: [{ metric: 'a', op: '<', value: '1', label: 'l' }], run: undefined }));

      expect(sut).toEqual(["name must be kebab-case", "targets[0].op must be '<=' or '>='", 'targets[0].value must be a number', 'run(ctx) is required']);
    });
  });

  describe('missingRequires', () => {
    it('lists the required compiled modules that do not exist', () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
      fs.mkdirSync(path.join(root, 'dist/users'), { recursive: true });
      fs.writeFileSync(path.join(root, 'dist/users/users.module.js'), '');

      const sut = missingRequires(scenario({ requires: ['dist/users/users.module.js', 'dist/main.js'] }) as never, root);

      expect(sut).toEqual(['dist/main.js']);
    });
  });

  describe('formatReport', () => {
    it('shows a skipped scenario with the missing path', () => {
      const sut = formatReport({ scenario: 'users-sync', status: 'skipped', missing: ['dist/main.js'], targets: [] });

      expect(sut).toContain('[SKIPPED]');
      expect(sut).toContain('missing dist/main.js');
    });

    it('marks each target MET or NOT MET', () => {
      const metrics = summariseMetrics([{ a: 1, b: 1 }]);
      const targets = evaluateTargets(
        [
          { metric: 'a', op: '<=', value: 2, label: 'a small' },
          { metric: 'b', op: '>=', value: 2, label: 'b large' },
        ],
        metrics,
      );

      const sut = formatReport({ scenario: 's', status: 'ok', runs: 1, metrics, targets });

      expect(sut).toMatch(/a small.*\bMET$/m);
      expect(sut).toMatch(/b large.*NOT MET$/m);
    });
  });
});

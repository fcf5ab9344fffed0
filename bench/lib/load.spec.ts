import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { percentile, httpLoad, measurePeakRss } from './load';

describe('load', () => {
  describe('percentile', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    it('returns the nearest-rank value', () => {
      expect(percentile(sorted, 50)).toBe(5);
      expect(percentile(sorted, 90)).toBe(9);
      expect(percentile(sorted, 99)).toBe(10);
      expect(percentile(sorted, 100)).toBe(10);
      expect(percentile(sorted, 0)).toBe(1);
      expect(percentile(sorted, 10)).toBe(1);
      expect(percentile(sorted, 11)).toBe(2);
    });

    it('returns the only value of a one-element array for any p', () => {
      expect(percentile([42], 0)).toBe(42);
      expect(percentile([42], 50)).toBe(42);
      expect(percentile([42], 99)).toBe(42);
    });

    it('returns NaN for an empty array', () => {
      expect(percentile([], 50)).toBeNaN();
    });

    it('rejects p outside [0, 100]', () => {
      expect(() => percentile(sorted, 101)).toThrow(RangeError);
      expect(() => percentile(sorted, -1)).toThrow(RangeError);
    });
  });

  describe('httpLoad', () => {
    let server: http.Server;
    let base: string;
    const seen: { method?: string; body: string; auth?: string }[] = [];

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          seen.push({ method: req.method, body, auth: req.headers.authorization });
          res.statusCode = req.url === '/fail' ? 500 : 200;
          res.setHeader('content-type', 'application/json');
          res.end('{"ok":true}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    beforeEach(() => {
      seen.length = 0;
    });

    it('sends exactly totalRequests requests and reports ordered latencies', async () => {
      const sut = await httpLoad({ url: `${base}/ok`, concurrency: 8, totalRequests: 200 });

      expect(sut.requests).toBe(200);
      expect(sut.errors).toBe(0);
      expect(seen).toHaveLength(200);
      expect(sut.rps).toBeGreaterThan(0);
      expect(sut.p50).toBeGreaterThan(0);
      expect(sut.p50).toBeLessThanOrEqual(sut.p90);
      expect(sut.p90).toBeLessThanOrEqual(sut.p99);
      expect(sut.p99).toBeLessThanOrEqual(sut.max);
    });

    it('sends the method, headers and a JSON body', async () => {
      await httpLoad({
        url: `${base}/ok`,
        method: 'POST',
        headers: { authorization: 'Bearer t' },
        body: { n: 1 },
        concurrency: 2,
        totalRequests: 4,
      });

      expect(seen).toHaveLength(4);
      expect(seen.every((s) => s.method === 'POST' && s.body === '{"n":1}' && s.auth === 'Bearer t')).toBe(true);
    });

    it('counts rejected statuses as errors and keeps them out of the latencies', async () => {
      const sut = await httpLoad({ url: `${base}/fail`, concurrency: 2, totalRequests: 10 });

      expect(sut.requests).toBe(10);
      expect(sut.errors).toBe(10);
      expect(sut.rps).toBe(0);
      expect(sut.p50).toBeNaN();
    });

    it('counts connection failures as errors', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));

      const sut = await httpLoad({ url: `http://127.0.0.1:${port}/`, concurrency: 2, totalRequests: 4 });

      expect(sut.errors).toBe(4);
      expect(sut.errorSamples.join(' ')).toMatch(/ECONNREFUSED/);
    });

    it('stops after durationMs', async () => {
      const started = Date.now();
      const sut = await httpLoad({ url: `${base}/ok`, concurrency: 2, durationMs: 150 });

      expect(Date.now() - started).toBeLessThan(2000);
      expect(sut.requests).toBeGreaterThan(0);
    });
  });

  describe('measurePeakRss', () => {
    const linux = process.platform === 'linux';

    (linux ? it : it.skip)('reports the resident set of a process while fn runs', async () => {
      const sut = await measurePeakRss(process.pid, async () => 'done', { intervalMs: 10 });

      expect(sut.result).toBe('done');
      expect(sut.peakRssBytes).toBeGreaterThan(1024 * 1024);
      expect(sut.hwmBytes).toBeGreaterThanOrEqual(sut.peakRssBytes);
      expect(sut.samples).toBeGreaterThanOrEqual(2);
    });
  });
});

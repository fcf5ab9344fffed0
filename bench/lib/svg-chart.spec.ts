import { renderChart, niceTicks, logTicks, formatTick } from './svg-chart';

type Tag = { name: string; attrs: Record<string, string> };

/** Minimal XML check: every opening tag is closed in order; returns the tags in order. */
function parseTags(svg: string): Tag[] {
  const tags: Tag[] = [];
  const stack: string[] = [];
  const body = svg.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?xml[\s\S]*?\?>/g, '');
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    const between = body.slice(consumed, m.index);
    if (between.includes('<') || between.includes('>')) throw new Error(`stray markup before ${m[0]}: ${between}`);
    consumed = re.lastIndex;
    const [, closing, name, rawAttrs, selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of rawAttrs.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    tags.push({ name, attrs });
    if (!selfClosing) stack.push(name);
  }
  const rest = body.slice(consumed);
  if (rest.includes('<') || rest.includes('>')) throw new Error(`stray markup at the end: ${rest}`);
  if (stack.length) throw new Error(`unclosed: ${stack.join(', ')}`);
  return tags;
}

function plotBox(tags: Tag[]) {
  const plot = tags.find((t) => t.name === 'rect' && t.attrs.class === 'plot');
  if (!plot) throw new Error('no plot rect');
  const x = Number(plot.attrs.x);
  const y = Number(plot.attrs.y);
  return { x, y, x2: x + Number(plot.attrs.width), y2: y + Number(plot.attrs.height) };
}

const rps = (label: string, pts: [number, number][]) => ({
  label,
  xLabel: 'concurrent clients',
  yLabel: 'requests / s',
  points: pts.map(([x, y]) => ({ x, y })),
});

describe('svg-chart', () => {
  describe('renderChart', () => {
    it('produces a well-formed SVG with explicit size and a white background', () => {
      const svg = renderChart([rps('HTTP', [[1, 100], [4, 300], [16, 500]])], { title: 'Floor' });
      const tags = parseTags(svg);
      expect(tags[0].name).toBe('svg');
      expect(tags[0].attrs.width).toBe('720');
      expect(tags[0].attrs.height).toBe('420');
      expect(tags[0].attrs.xmlns).toBe('http://www.w3.org/2000/svg');
      expect(tags.some((t) => t.name === 'rect' && t.attrs.fill === '#ffffff')).toBe(true);
    });

    it('contains the title, the axis labels and every series label', () => {
      const svg = renderChart([rps('HTTP GET', [[1, 10]]), rps('gRPC unary', [[1, 20]])], { title: 'Throughput by concurrency' });
      expect(svg).toContain('Throughput by concurrency');
      expect(svg).toContain('HTTP GET');
      expect(svg).toContain('gRPC unary');
      expect(svg).toContain('concurrent clients');
      expect(svg).toContain('requests / s');
    });

    it('escapes markup in labels', () => {
      const svg = renderChart([rps('a <b> & "c"', [[1, 1]])], { title: '<script>' });
      expect(svg).not.toContain('<script>');
      expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
      expect(() => parseTags(svg)).not.toThrow();
    });

    it('scales every point into the plot box, the extremes onto its edges', () => {
      const svg = renderChart([rps('s', [[0, 0], [5, 50], [10, 100]])]);
      const tags = parseTags(svg);
      const box = plotBox(tags);
      const pts = tags.filter((t) => t.name === 'circle' && t.attrs.class === 'point').map((t) => ({ x: Number(t.attrs.cx), y: Number(t.attrs.cy) }));
      expect(pts).toHaveLength(3);
      for (const p of pts) {
        expect(p.x).toBeGreaterThanOrEqual(box.x);
        expect(p.x).toBeLessThanOrEqual(box.x2);
        expect(p.y).toBeGreaterThanOrEqual(box.y);
        expect(p.y).toBeLessThanOrEqual(box.y2);
      }
      // x 0..10 and y 0..100 are already nice: the first point sits on the bottom-left corner.
      expect(pts[0]).toEqual({ x: box.x, y: box.y2 });
      expect(pts[2]).toEqual({ x: box.x2, y: box.y });
      // Larger y is drawn higher.
      expect(pts[1].y).toBeLessThan(pts[0].y);
    });

    it('places log-scale x points by their logarithm', () => {
      const svg = renderChart([rps('s', [[1, 1], [10, 2], [100, 3]])], { logX: true });
      const tags = parseTags(svg);
      const box = plotBox(tags);
      const xs = tags.filter((t) => t.attrs.class === 'point').map((t) => Number(t.attrs.cx));
      expect(xs[0]).toBeCloseTo(box.x, 1);
      expect(xs[1]).toBeCloseTo((box.x + box.x2) / 2, 1);
      expect(xs[2]).toBeCloseTo(box.x2, 1);
      expect(svg).toContain('(log scale)');
    });

    it('falls back to a linear x axis when log scale meets x <= 0', () => {
      const svg = renderChart([rps('s', [[0, 1], [10, 2]])], { logX: true });
      expect(svg).not.toContain('NaN');
      expect(svg).not.toContain('Infinity');
      expect(svg).not.toContain('(log scale)');
    });

    it.each([
      ['linear', false, 7],
      ['log', true, 7],
      ['log, on a decade', true, 10],
    ])('draws one point inside the box without NaN (%s x)', (_, logX, x) => {
      const svg = renderChart([rps('only', [[x as number, 42]])], { title: 'one', logX: logX as boolean });
      expect(svg).not.toMatch(/NaN|Infinity/);
      const tags = parseTags(svg);
      const box = plotBox(tags);
      const p = tags.find((t) => t.attrs.class === 'point');
      expect(p).toBeDefined();
      expect(Number(p!.attrs.cx)).toBeGreaterThanOrEqual(box.x);
      expect(Number(p!.attrs.cx)).toBeLessThanOrEqual(box.x2);
      expect(Number(p!.attrs.cy)).toBeGreaterThanOrEqual(box.y);
      expect(Number(p!.attrs.cy)).toBeLessThanOrEqual(box.y2);
    });

    it.each([
      ['no series at all', []],
      ['a series without points', [{ label: 'empty', points: [] }]],
      ['a series of non-finite points', [{ label: 'bad', points: [{ x: NaN, y: 1 }, { x: 1, y: Infinity }] }]],
    ])('renders %s as an empty, well-formed chart saying "no data"', (_, series) => {
      for (const type of ['line', 'bar'] as const) {
        const svg = renderChart(series as never, { title: 't', type, logX: true });
        expect(svg).not.toMatch(/NaN|Infinity/);
        expect(svg).toContain('no data');
        expect(() => parseTags(svg)).not.toThrow();
      }
    });

    it('draws grouped bars inside the box, one per series and category', () => {
      const svg = renderChart([rps('a', [[1, 10], [2, 20]]), rps('b', [[1, 15], [2, -5]])], { type: 'bar' });
      const tags = parseTags(svg);
      const box = plotBox(tags);
      const bars = tags.filter((t) => t.name === 'rect' && t.attrs.class === 'point');
      expect(bars).toHaveLength(4);
      for (const b of bars) {
        const x = Number(b.attrs.x);
        const y = Number(b.attrs.y);
        expect(x).toBeGreaterThanOrEqual(box.x);
        expect(x + Number(b.attrs.width)).toBeLessThanOrEqual(box.x2);
        expect(y).toBeGreaterThanOrEqual(box.y);
        expect(y + Number(b.attrs.height)).toBeLessThanOrEqual(box.y2 + 0.01);
      }
    });

    it('draws at most 4 series and says how many it left out', () => {
      const series = [1, 2, 3, 4, 5, 6].map((i) => rps(`series-${i}`, [[1, i]]));
      const svg = renderChart(series);
      expect(parseTags(svg).filter((t) => t.name === 'g' && t.attrs.class === 'series')).toHaveLength(4);
      expect(svg).toContain('series-4');
      expect(svg).not.toContain('series-5');
      expect(svg).toContain('2 more series not shown');
    });
  });

  describe('ticks', () => {
    it('covers the data with round steps', () => {
      expect(niceTicks(0, 97)).toEqual({ min: 0, max: 100, ticks: [0, 20, 40, 60, 80, 100] });
      const t = niceTicks(3, 3);
      expect(t.min).toBeLessThan(3);
      expect(t.max).toBeGreaterThan(3);
    });

    it('uses powers of ten (and 2, 5 within few decades) on a log axis', () => {
      expect(logTicks(1, 64).ticks).toEqual([1, 2, 5, 10, 20, 50, 100]);
      const single = logTicks(10, 10);
      expect(single.max).toBeGreaterThan(single.min);
      expect(single.ticks).toContain(10);
    });

    it('formats large values compactly', () => {
      expect(formatTick(0)).toBe('0');
      expect(formatTick(2500)).toBe('2500');
      expect(formatTick(25000)).toBe('25k');
      expect(formatTick(1500000)).toBe('1.5M');
      expect(formatTick(0.25)).toBe('0.25');
    });
  });
});

'use strict';
// A dependency-free SVG chart for benchmark series: line or grouped bars, axes with "nice" ticks,
// axis labels, a legend and a title; up to 4 series; optional log-scale x axis (line charts).
// The output has an explicit width/height, a white background and a system font stack, so it
// renders the same when embedded in a GitHub README.

const fs = require('node:fs');
const path = require('node:path');

/**
 * @typedef {{ x: number, y: number }} Point
 * @typedef {{ label: string, points: Point[], xLabel?: string, yLabel?: string }} Series
 * @typedef {object} ChartOptions
 * @property {string} [title]
 * @property {string} [subtitle]
 * @property {'line' | 'bar'} [type]   default 'line'
 * @property {boolean} [logX]          log10 x axis (line charts; ignored when an x <= 0)
 * @property {string} [xLabel]         default: the first series' xLabel
 * @property {string} [yLabel]         default: the first series' yLabel
 * @property {number} [width]          default 720
 * @property {number} [height]         default 420
 */

const MAX_SERIES = 4;
// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];
const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif";

/** @param {unknown} s */
function esc(s) {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Rounds to 2 decimals for compact coordinates. @param {number} v */
function r2(v) {
  return Math.round(v * 100) / 100;
}

/**
 * Tick label: short and unambiguous (1.5k, 2M, 0.25).
 * @param {number} v
 */
function formatTick(v) {
  if (v === 0) return '0';
  const a = Math.abs(v);
  /** @param {number} n */
  const trim = (n) => String(Number(n.toPrecision(3)));
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${trim(v / 1e3)}k`;
  return trim(v);
}

/**
 * "Nice" linear ticks covering [min, max] (Heckbert's loose labelling).
 * @param {number} min
 * @param {number} max
 * @param {number} [count] wanted number of ticks, default 5
 * @returns {{ min: number, max: number, ticks: number[] }}
 */
function niceTicks(min, max, count = 5) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1, ticks: [0, 0.5, 1] };
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  /** @param {number} range @param {boolean} round */
  const nice = (range, round) => {
    const exp = Math.floor(Math.log10(range));
    const f = range / 10 ** exp;
    let nf;
    if (round) nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nf * 10 ** exp;
  };
  const step = nice(nice(max - min, false) / Math.max(1, count - 1), true);
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { min: lo, max: hi, ticks };
}

/**
 * Log10 ticks covering [min, max] (both > 0): powers of ten, plus 2 and 5 when few decades.
 * @param {number} min
 * @param {number} max
 */
function logTicks(min, max) {
  let lo = Math.floor(Math.log10(min));
  let hi = Math.ceil(Math.log10(max));
  if (lo === hi) hi = lo + 1;
  const decades = hi - lo;
  const mult = decades <= 2 ? [1, 2, 5] : decades <= 4 ? [1, 3] : [1];
  const ticks = [];
  for (let e = lo; e <= hi; e++) {
    for (const m of mult) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= 10 ** lo && v <= 10 ** hi) ticks.push(v);
    }
  }
  // Tighten the domain to the ticks that bracket the data.
  const below = ticks.filter((t) => t <= min);
  const above = ticks.filter((t) => t >= max);
  let dMin = below.length ? below[below.length - 1] : ticks[0];
  let dMax = above.length ? above[0] : ticks[ticks.length - 1];
  if (dMin >= dMax) {
    // One distinct x value on a tick: widen to the neighbouring tick so the scale has a width.
    const i = ticks.indexOf(dMin);
    if (i + 1 < ticks.length) dMax = ticks[i + 1];
    else dMin = ticks[Math.max(0, i - 1)];
  }
  return { min: dMin, max: dMax, ticks: ticks.filter((t) => t >= dMin && t <= dMax) };
}

/**
 * Renders the chart as an SVG document string.
 * @param {Series[]} seriesIn
 * @param {ChartOptions} [opts]
 * @returns {string}
 */
function renderChart(seriesIn, opts = {}) {
  const width = opts.width ?? 720;
  const height = opts.height ?? 420;
  const type = opts.type === 'bar' ? 'bar' : 'line';
  const all = Array.isArray(seriesIn) ? seriesIn : [];
  const dropped = Math.max(0, all.length - MAX_SERIES);
  // Keep only finite points; a series without any still gets its legend entry.
  const series = all.slice(0, MAX_SERIES).map((s) => ({
    label: String(s.label ?? ''),
    xLabel: s.xLabel,
    yLabel: s.yLabel,
    points: (s.points || []).filter((p) => p && Number.isFinite(p.x) && Number.isFinite(p.y)),
  }));
  const points = series.flatMap((s) => s.points);
  const xLabel = opts.xLabel ?? series.find((s) => s.xLabel)?.xLabel ?? '';
  const yLabel = opts.yLabel ?? series.find((s) => s.yLabel)?.yLabel ?? '';
  const logX = type === 'line' && !!opts.logX && points.length > 0 && points.every((p) => p.x > 0);

  const hasSubtitle = !!opts.subtitle || dropped > 0;
  const legendRows = series.length ? 1 : 0;
  const margin = {
    top: 16 + (opts.title ? 26 : 0) + (hasSubtitle ? 18 : 0) + legendRows * 22 + 8,
    right: 24,
    bottom: 58,
    left: 72,
  };
  const plot = {
    x: margin.left,
    y: margin.top,
    w: Math.max(10, width - margin.left - margin.right),
    h: Math.max(10, height - margin.top - margin.bottom),
  };

  // y domain: always include 0 (rates and latencies read wrongly without it).
  const ys = points.map((p) => p.y);
  const yDom = niceTicks(Math.min(0, ...ys), ys.length ? Math.max(0, ...ys) : 1, 6);
  /** @param {number} y */
  const sy = (y) => plot.y + plot.h - ((y - yDom.min) / (yDom.max - yDom.min)) * plot.h;

  /** @type {(x: number) => number} */
  let sx;
  /** @type {{ value: number, label: string }[]} */
  let xTicks;
  /** @type {number[]} */
  let categories = [];
  if (type === 'bar') {
    categories = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
    const band = plot.w / Math.max(1, categories.length);
    sx = (x) => plot.x + band * (categories.indexOf(x) + 0.5);
    xTicks = categories.map((c) => ({ value: c, label: formatTick(c) }));
  } else if (logX) {
    const xs = points.map((p) => p.x);
    const d = logTicks(Math.min(...xs), Math.max(...xs));
    const l0 = Math.log10(d.min);
    const l1 = Math.log10(d.max);
    sx = (x) => plot.x + ((Math.log10(x) - l0) / (l1 - l0)) * plot.w;
    xTicks = d.ticks.map((t) => ({ value: t, label: formatTick(t) }));
  } else {
    const xs = points.map((p) => p.x);
    const d = niceTicks(xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1, 7);
    sx = (x) => plot.x + ((x - d.min) / (d.max - d.min)) * plot.w;
    xTicks = d.ticks.map((t) => ({ value: t, label: formatTick(t) }));
  }

  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="${esc(FONT)}" font-size="12" role="img" aria-label="${esc(opts.title || 'chart')}">`,
  );
  out.push(`<title>${esc(opts.title || 'chart')}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  let ty = 16;
  if (opts.title) {
    ty += 12;
    out.push(`<text class="title" x="${r2(width / 2)}" y="${ty}" text-anchor="middle" font-size="16" font-weight="600" fill="#111111">${esc(opts.title)}</text>`);
    ty += 14;
  }
  if (hasSubtitle) {
    ty += 8;
    const note = [opts.subtitle, dropped > 0 ? `(${dropped} more series not shown)` : ''].filter(Boolean).join(' ');
    out.push(`<text class="subtitle" x="${r2(width / 2)}" y="${ty}" text-anchor="middle" fill="#555555">${esc(note)}</text>`);
    ty += 10;
  }

  // Legend: one row, entries spaced evenly from the plot's left edge.
  if (series.length) {
    const ly = ty + 12;
    const slot = plot.w / MAX_SERIES;
    out.push('<g class="legend">');
    series.forEach((s, i) => {
      const lx = plot.x + i * slot;
      const c = COLOURS[i];
      if (type === 'bar') out.push(`<rect x="${r2(lx)}" y="${ly - 9}" width="14" height="10" fill="${c}"/>`);
      else {
        const dash = DASHES[i] ? ` stroke-dasharray="${DASHES[i]}"` : '';
        out.push(`<line x1="${r2(lx)}" y1="${ly - 4}" x2="${r2(lx + 22)}" y2="${ly - 4}" stroke="${c}" stroke-width="2.5"${dash}/>`);
      }
      out.push(`<text x="${r2(lx + 28)}" y="${ly}" fill="#222222">${esc(s.label)}</text>`);
    });
    out.push('</g>');
  }

  // Grid, axes and ticks.
  out.push(`<rect class="plot" x="${r2(plot.x)}" y="${r2(plot.y)}" width="${r2(plot.w)}" height="${r2(plot.h)}" fill="none" stroke="#cccccc"/>`);
  out.push('<g class="y-axis">');
  for (const t of yDom.ticks) {
    const y = r2(sy(t));
    out.push(`<line x1="${r2(plot.x)}" y1="${y}" x2="${r2(plot.x + plot.w)}" y2="${y}" stroke="#eeeeee"/>`);
    out.push(`<line x1="${r2(plot.x - 5)}" y1="${y}" x2="${r2(plot.x)}" y2="${y}" stroke="#333333"/>`);
    out.push(`<text x="${r2(plot.x - 8)}" y="${r2(y + 4)}" text-anchor="end" fill="#333333">${esc(formatTick(t))}</text>`);
  }
  out.push('</g>');
  out.push('<g class="x-axis">');
  for (const t of xTicks) {
    const x = r2(sx(t.value));
    out.push(`<line x1="${x}" y1="${r2(plot.y + plot.h)}" x2="${x}" y2="${r2(plot.y + plot.h + 5)}" stroke="#333333"/>`);
    out.push(`<text x="${x}" y="${r2(plot.y + plot.h + 19)}" text-anchor="middle" fill="#333333">${esc(t.label)}</text>`);
  }
  out.push('</g>');
  out.push(`<line x1="${r2(plot.x)}" y1="${r2(plot.y + plot.h)}" x2="${r2(plot.x + plot.w)}" y2="${r2(plot.y + plot.h)}" stroke="#333333"/>`);
  out.push(`<line x1="${r2(plot.x)}" y1="${r2(plot.y)}" x2="${r2(plot.x)}" y2="${r2(plot.y + plot.h)}" stroke="#333333"/>`);
  if (xLabel) {
    const xl = xLabel + (logX ? ' (log scale)' : '');
    out.push(`<text class="x-label" x="${r2(plot.x + plot.w / 2)}" y="${height - 14}" text-anchor="middle" fill="#222222">${esc(xl)}</text>`);
  }
  if (yLabel) {
    const cx = 18;
    const cy = r2(plot.y + plot.h / 2);
    out.push(`<text class="y-label" x="${cx}" y="${cy}" text-anchor="middle" fill="#222222" transform="rotate(-90 ${cx} ${cy})">${esc(yLabel)}</text>`);
  }

  if (points.length === 0) {
    out.push(`<text class="no-data" x="${r2(plot.x + plot.w / 2)}" y="${r2(plot.y + plot.h / 2)}" text-anchor="middle" fill="#888888">no data</text>`);
  }

  // Data.
  const n = series.length;
  const band = type === 'bar' ? plot.w / Math.max(1, categories.length) : 0;
  const barW = type === 'bar' ? (band * 0.8) / Math.max(1, n) : 0;
  series.forEach((s, i) => {
    const c = COLOURS[i];
    out.push(`<g class="series" data-label="${esc(s.label)}">`);
    if (type === 'bar') {
      for (const p of s.points) {
        const x0 = sx(p.x) - (band * 0.8) / 2 + i * barW;
        const yTop = sy(Math.max(p.y, 0));
        const yBot = sy(Math.min(p.y, 0));
        out.push(
          `<rect class="point" x="${r2(x0)}" y="${r2(yTop)}" width="${r2(Math.max(1, barW - 2))}" height="${r2(Math.max(0, yBot - yTop))}" fill="${c}">` +
            `<title>${esc(`${s.label}: ${p.x} -> ${p.y}`)}</title></rect>`,
        );
      }
    } else {
      const pts = [...s.points].sort((a, b) => a.x - b.x);
      if (pts.length > 1) {
        const d = pts.map((p) => `${r2(sx(p.x))},${r2(sy(p.y))}`).join(' ');
        const dash = DASHES[i] ? ` stroke-dasharray="${DASHES[i]}"` : '';
        out.push(`<polyline points="${d}" fill="none" stroke="${c}" stroke-width="2.5"${dash}/>`);
      }
      for (const p of pts) {
        out.push(
          `<circle class="point" cx="${r2(sx(p.x))}" cy="${r2(sy(p.y))}" r="3.5" fill="${c}">` +
            `<title>${esc(`${s.label}: ${p.x} -> ${p.y}`)}</title></circle>`,
        );
      }
    }
    out.push('</g>');
  });

  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * Renders and writes the chart; creates the folder if needed.
 * @param {string} file
 * @param {Series[]} series
 * @param {ChartOptions} [opts]
 */
function writeChart(file, series, opts) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, renderChart(series, opts));
  return file;
}

module.exports = { renderChart, writeChart, niceTicks, logTicks, formatTick, MAX_SERIES };

/**
 * training_curves.png (training loss, validation loss and validation Dice against the epoch) and
 * threshold_analysis.png (-t: Dice, recall and specificity against the threshold), drawn
 * by a tiny rasterizer into RGBA and encoded with fast-png (no canvas or font library in Node).
 * Axes with numbered ticks and a coloured legend use a 5x7 bitmap font that has just the digits and
 * the letters of the labels.
 */
import { encode } from 'fast-png';
import type { ThresholdCurve } from '../eval/index';
import type { EpochRecord } from '../train/events';

export const CURVES_SIZE = { width: 640, height: 400 } as const;

type Rgb = readonly [number, number, number];

export const CURVE_COLOURS = {
  train_loss: [31, 119, 180] as Rgb, // blue
  val_loss: [255, 127, 14] as Rgb, // orange
  dice: [44, 160, 44] as Rgb, // green
} as const;

const BACKGROUND: Rgb = [255, 255, 255];
const AXIS: Rgb = [0, 0, 0];
const GRID: Rgb = [225, 225, 225];
const TEXT: Rgb = [40, 40, 40];

/** The plot rectangle inside the image (pixels): x in [left, right], y in [top, bottom]. */
export const PLOT = { left: 56, right: CURVES_SIZE.width - 16, top: 36, bottom: CURVES_SIZE.height - 40 } as const;

// 5x7 glyphs, rows top to bottom, '#' = ink.
const GLYPHS: Record<string, string[]> = {
  '0': [' ### ', '#   #', '#  ##', '# # #', '##  #', '#   #', ' ### '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  '2': [' ### ', '#   #', '    #', '   # ', '  #  ', ' #   ', '#####'],
  '3': ['#####', '   # ', '  #  ', '   # ', '    #', '#   #', ' ### '],
  '4': ['   # ', '  ## ', ' # # ', '#  # ', '#####', '   # ', '   # '],
  '5': ['#####', '#    ', '#### ', '    #', '    #', '#   #', ' ### '],
  '6': ['  ## ', ' #   ', '#    ', '#### ', '#   #', '#   #', ' ### '],
  '7': ['#####', '    #', '   # ', '  #  ', ' #   ', ' #   ', ' #   '],
  '8': [' ### ', '#   #', '#   #', ' ### ', '#   #', '#   #', ' ### '],
  '9': [' ### ', '#   #', '#   #', ' ####', '    #', '   # ', ' ##  '],
  '.': ['     ', '     ', '     ', '     ', '     ', ' ##  ', ' ##  '],
  '-': ['     ', '     ', '     ', '#####', '     ', '     ', '     '],
  ' ': ['     ', '     ', '     ', '     ', '     ', '     ', '     '],
  a: ['     ', '     ', ' ### ', '    #', ' ####', '#   #', ' ####'],
  c: ['     ', '     ', ' ### ', '#    ', '#    ', '#   #', ' ### '],
  d: ['    #', '    #', ' ####', '#   #', '#   #', '#   #', ' ####'],
  e: ['     ', '     ', ' ### ', '#   #', '#####', '#    ', ' ### '],
  f: ['  ## ', ' #  #', ' #   ', '###  ', ' #   ', ' #   ', ' #   '],
  h: ['#    ', '#    ', '# ## ', '##  #', '#   #', '#   #', '#   #'],
  i: ['  #  ', '     ', ' ##  ', '  #  ', '  #  ', '  #  ', ' ### '],
  l: [' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  n: ['     ', '     ', '# ## ', '##  #', '#   #', '#   #', '#   #'],
  o: ['     ', '     ', ' ### ', '#   #', '#   #', '#   #', ' ### '],
  p: ['     ', '     ', '#### ', '#   #', '#### ', '#    ', '#    '],
  r: ['     ', '     ', '# ## ', '##  #', '#    ', '#    ', '#    '],
  s: ['     ', '     ', ' ####', '#    ', ' ### ', '    #', '#### '],
  t: [' #   ', ' #   ', '###  ', ' #   ', ' #   ', ' #  #', '  ## '],
  v: ['     ', '     ', '#   #', '#   #', '#   #', ' # # ', '  #  '],
  y: ['     ', '     ', '#   #', '#   #', ' ####', '    #', ' ### '],
  D: ['#### ', '#   #', '#   #', '#   #', '#   #', '#   #', '#### '],
};

class Raster {
  readonly data: Uint8Array;
  constructor(readonly width: number, readonly height: number) {
    this.data = new Uint8Array(width * height * 4);
    this.fill(0, 0, width, height, BACKGROUND);
  }

  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
    this.data[i + 3] = 255;
  }

  fill(x0: number, y0: number, w: number, h: number, c: Rgb): void {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) this.set(x, y, c);
  }

  /** A line `thickness` pixels wide (a square brush stepped along the longer axis). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    const r0 = -Math.floor((thickness - 1) / 2);
    for (let s = 0; s <= steps; s++) {
      const x = Math.round(x0 + ((x1 - x0) * s) / steps);
      const y = Math.round(y0 + ((y1 - y0) * s) / steps);
      for (let dy = 0; dy < thickness; dy++) for (let dx = 0; dx < thickness; dx++) this.set(x + r0 + dx, y + r0 + dy, c);
    }
  }

  /** Text with the 5x7 font, 6 px per character; (x, y) is the top-left corner. */
  text(x: number, y: number, s: string, c: Rgb): void {
    [...s].forEach((ch, k) => {
      const g = GLYPHS[ch] ?? GLYPHS[' ']!;
      g.forEach((row, gy) => [...row].forEach((px, gx) => { if (px === '#') this.set(x + k * 6 + gx, y + gy, c); }));
    });
  }
}

export function textWidth(s: string): number {
  return s.length * 6 - 1;
}

/** About `count` round tick values (1, 2 or 5 times a power of ten) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function tickLabel(v: number, step: number): string {
  const decimals = Math.max(0, Math.min(4, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

export interface CurvesRange { yMin: number; yMax: number; xMin: number; xMax: number }

/** The axis ranges: epochs 1..last; y covers every plotted value, rounded out to ticks. */
export function curvesRange(history: readonly EpochRecord[]): CurvesRange {
  const values = history.flatMap((h) => [h.train_loss, h.val_loss, h.metrics.dice_score ?? NaN]).filter(Number.isFinite);
  let lo = Math.min(0, ...values);
  let hi = Math.max(1, ...values);
  const ticks = niceTicks(lo, hi);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 1;
  lo = Math.floor(lo / step + 1e-9) * step;
  hi = Math.ceil(hi / step - 1e-9) * step;
  const epochs = history.map((h) => h.epoch);
  const xMin = epochs.length ? Math.min(...epochs) : 1;
  const xMax = epochs.length ? Math.max(...epochs) : 1;
  return { yMin: lo, yMax: hi, xMin, xMax: xMax > xMin ? xMax : xMin + 1 };
}

/** Pixel position of (epoch, value) in the plot rectangle. */
export function toPixel(range: CurvesRange, epoch: number, value: number): [number, number] {
  const x = PLOT.left + ((epoch - range.xMin) / (range.xMax - range.xMin)) * (PLOT.right - PLOT.left);
  const y = PLOT.bottom - ((value - range.yMin) / (range.yMax - range.yMin)) * (PLOT.bottom - PLOT.top);
  return [Math.round(x), Math.round(y)];
}

/** A line series: its legend name, colour, and (x, y) points (y null: a gap). */
export interface PlotSeries {
  name: string;
  colour: Rgb;
  points: Array<[number, number | null]>;
}

export interface PlotSpec {
  series: PlotSeries[];
  range: CurvesRange;
  xLabel: string;
  /** Only whole-number x ticks (epochs). */
  integerX: boolean;
  /** A hollow square drawn around one point (e.g. the chosen threshold). */
  highlight?: { x: number; y: number; colour: Rgb };
}

/** The RGBA pixels of a line plot: grid, numbered ticks, axes, 2 px lines with 4 px markers, legend. */
export function rasterizePlot(spec: PlotSpec): { width: number; height: number; data: Uint8Array } {
  const { width, height } = CURVES_SIZE;
  const r = new Raster(width, height);
  const range = spec.range;

  // Grid and y ticks.
  const yTicks = niceTicks(range.yMin, range.yMax);
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
  for (const v of yTicks) {
    const [, y] = toPixel(range, range.xMin, v);
    r.line(PLOT.left + 1, y, PLOT.right, y, GRID);
    r.line(PLOT.left - 4, y, PLOT.left, y, AXIS);
    const label = tickLabel(v, yStep);
    r.text(PLOT.left - 7 - textWidth(label), y - 3, label, TEXT);
  }
  // x ticks: integer epochs (about 10 at most), or round values.
  const xTicks = spec.integerX
    ? niceTicks(range.xMin, range.xMax, Math.min(10, range.xMax - range.xMin)).filter((v) => Number.isInteger(Math.round(v * 1e6) / 1e6))
    : niceTicks(range.xMin, range.xMax, 10);
  const xStep = xTicks.length > 1 ? xTicks[1]! - xTicks[0]! : 1;
  for (const v of xTicks) {
    const [x] = toPixel(range, v, range.yMin);
    r.line(x, PLOT.bottom, x, PLOT.bottom + 4, AXIS);
    const label = spec.integerX ? String(Math.round(v)) : tickLabel(v, xStep);
    r.text(x - Math.floor(textWidth(label) / 2), PLOT.bottom + 8, label, TEXT);
  }
  // Axes.
  r.line(PLOT.left, PLOT.top, PLOT.left, PLOT.bottom, AXIS);
  r.line(PLOT.left, PLOT.bottom, PLOT.right, PLOT.bottom, AXIS);
  r.text(Math.round((PLOT.left + PLOT.right) / 2 - textWidth(spec.xLabel) / 2), PLOT.bottom + 22, spec.xLabel, TEXT);

  // Curves: 2 px lines and 4 px markers (a single point still shows).
  for (const { colour, points } of spec.series) {
    let prev: [number, number] | null = null;
    for (const [xv, v] of points) {
      if (v === null || !Number.isFinite(v)) { prev = null; continue; }
      const p = toPixel(range, xv, v);
      if (prev) r.line(prev[0], prev[1], p[0], p[1], colour, 2);
      r.fill(p[0] - 2, p[1] - 2, 4, 4, colour);
      prev = p;
    }
  }
  if (spec.highlight) {
    const [hx, hy] = toPixel(range, spec.highlight.x, spec.highlight.y);
    const c = spec.highlight.colour;
    r.line(hx - 6, hy - 6, hx + 6, hy - 6, c); r.line(hx - 6, hy + 6, hx + 6, hy + 6, c);
    r.line(hx - 6, hy - 6, hx - 6, hy + 6, c); r.line(hx + 6, hy - 6, hx + 6, hy + 6, c);
  }

  // Legend along the top: a colour swatch, then the name.
  let lx = PLOT.left;
  for (const { name, colour } of spec.series) {
    r.fill(lx, 12, 16, 8, colour);
    r.text(lx + 22, 13, name, TEXT);
    lx += 22 + textWidth(name) + 24;
  }
  return { width, height, data: r.data };
}

/** The RGBA pixels of the training curves (exposed for tests; renderCurvesPng encodes them). */
export function rasterizeCurves(history: readonly EpochRecord[]): { width: number; height: number; data: Uint8Array } {
  const series = (name: string, colour: Rgb, get: (h: EpochRecord) => number | null): PlotSeries =>
    ({ name, colour, points: history.map((h) => [h.epoch, get(h)] as [number, number | null]) });
  return rasterizePlot({
    series: [
      series('train loss', CURVE_COLOURS.train_loss, (h) => h.train_loss),
      series('val loss', CURVE_COLOURS.val_loss, (h) => h.val_loss),
      series('val Dice', CURVE_COLOURS.dice, (h) => h.metrics.dice_score ?? null),
    ],
    range: curvesRange(history), xLabel: 'epoch', integerX: true,
  });
}

export function renderCurvesPng(history: readonly EpochRecord[]): Uint8Array {
  const { width, height, data } = rasterizeCurves(history);
  return encode({ width, height, data, channels: 4, depth: 8 });
}

/**
 * results_eval/threshold_analysis.png (-t): mean Dice, recall and specificity of the validation
 * volumes against the threshold, the chosen threshold boxed on the curve that chose it. ivadomed draws
 * roc.png (recall against 1 - specificity) instead.
 */
export const THRESHOLD_PNG = 'results_eval/threshold_analysis.png';

export function renderThresholdPng(curve: ThresholdCurve): Uint8Array {
  const t = curve.thresholds;
  const pts = (ys: Array<number | null>) => t.map((x, i) => [x, ys[i]] as [number, number | null]);
  const chosen = curve.metric === 'dice' ? curve.dice : curve.criterion;
  const y = chosen[curve.optimalIndex];
  const { width, height, data } = rasterizePlot({
    series: [
      { name: 'Dice', colour: CURVE_COLOURS.dice, points: pts(curve.dice) },
      { name: 'recall', colour: CURVE_COLOURS.train_loss, points: pts(curve.recall) },
      { name: 'specificity', colour: CURVE_COLOURS.val_loss, points: pts(curve.specificity) },
    ],
    range: { xMin: 0, xMax: 1, yMin: 0, yMax: 1 }, xLabel: 'threshold', integerX: false,
    highlight: y === null || y === undefined ? undefined : { x: curve.optimalThreshold, y, colour: AXIS },
  });
  return encode({ width, height, data, channels: 4, depth: 8 });
}

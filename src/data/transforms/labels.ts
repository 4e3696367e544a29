/**
 * DilateGT ("soft labels"): each connected object of the binarised label grows by
 * nb_it = round(dilation_factor · √area) one-voxel (face-connected) dilations; ring k gets the value
 * (nb_it + 1 − k) / (nb_it + 1); objects are summed and clipped to [0, 1].
 */
import { BaseTransform } from './geometric';
import { requireNumber } from './base';
import { dims3, roundHalfEven, withRank, type NdArray } from './ndarray';
import type { TransformOptions } from './types';

type Params = Record<string, unknown>;

/** Face-connected components (scipy.ndimage.label's default structure); labels 1..count, 0 background. */
export function connectedComponents(mask: Uint8Array, dims: [number, number, number]): { labels: Int32Array; count: number } {
  const [h, w, d] = dims;
  const labels = new Int32Array(mask.length);
  let count = 0;
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    count++;
    labels[start] = count;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop() as number;
      const k = p % d, j = Math.floor(p / d) % w, i = Math.floor(p / (d * w));
      const nb: number[] = [];
      if (i > 0) nb.push(p - w * d); if (i < h - 1) nb.push(p + w * d);
      if (j > 0) nb.push(p - d); if (j < w - 1) nb.push(p + d);
      if (k > 0) nb.push(p - 1); if (k < d - 1) nb.push(p + 1);
      for (const q of nb) if (mask[q] && !labels[q]) { labels[q] = count; stack.push(q); }
    }
  }
  return { labels, count };
}

export class DilateGT extends BaseTransform {
  readonly name = 'DilateGT';
  readonly dilationFactor: number;
  constructor(options: TransformOptions & { dilation_factor?: unknown }) {
    super('DilateGT', { applied_to: ['gt'], ...options });
    this.dilationFactor = requireNumber('DilateGT', 'dilation_factor', options.dilation_factor);
    if (this.dilationFactor < 0) throw new Error(`transformation.DilateGT.dilation_factor must be >= 0, got ${this.dilationFactor}.`);
  }
  draw(): Params { return {}; }
  apply(arr: NdArray): NdArray {
    const dims = dims3(arr);
    const n = arr.data.length;
    const mask = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) if (arr.data[i] > 0.5) { mask[i] = 1; any = true; }
    if (!(this.dilationFactor > 0) || !any) return arr;
    const { labels, count } = connectedComponents(mask, dims);
    const area = new Float64Array(count + 1);
    for (let i = 0; i < n; i++) area[labels[i]]++;
    const out = new Float64Array(n);
    const [, w, d] = dims;
    const dist = new Int32Array(n);
    for (let obj = 1; obj <= count; obj++) {
      const nbIt = roundHalfEven(this.dilationFactor * Math.sqrt(area[obj]));
      // breadth-first search from the object = repeated cross-shaped dilation; distance = ring index
      dist.fill(-1);
      let frontier: number[] = [];
      for (let i = 0; i < n; i++) if (labels[i] === obj) { dist[i] = 0; frontier.push(i); }
      for (let ring = 1; ring <= nbIt && frontier.length; ring++) {
        const next: number[] = [];
        for (const p of frontier) {
          const k = p % d, j = Math.floor(p / d) % w, i = Math.floor(p / (d * w));
          const nb: number[] = [];
          if (i > 0) nb.push(p - w * d); if (i < dims[0] - 1) nb.push(p + w * d);
          if (j > 0) nb.push(p - d); if (j < w - 1) nb.push(p + d);
          if (k > 0) nb.push(p - 1); if (k < d - 1) nb.push(p + 1);
          for (const q of nb) if (dist[q] < 0) { dist[q] = ring; next.push(q); }
        }
        frontier = next;
      }
      for (let i = 0; i < n; i++) if (dist[i] >= 0) out[i] += (nbIt + 1 - dist[i]) / (nbIt + 1);
    }
    const res = new Float32Array(n);
    for (let i = 0; i < n; i++) res[i] = Math.min(1, out[i]);
    return withRank(arr, res, dims);
  }
}

/**
 * The CPU reference backend: plain loops over TypedArrays (Float32Array or Float64Array), written
 * to be obviously correct. Every WebGPU kernel is tested against it, and gradient checks run on it
 * in float64. Arithmetic is done in JS numbers and rounded on store.
 */
import type {
  AdamParams, Backend, BinaryOp, GatherDim, PlaceDim, PoolGeometry, ReduceOp, Resize1dParams, SgdParams, Storage, UnaryOp,
} from '../backend';
import { arrayFor, bytesPer, type DType, type FloatArray } from '../dtype';
import { convForwardCpu, convGradInputCpu, convGradWeightCpu, type ConvGeometry } from './conv';
import { matmulCpu, type MatmulParams } from './matmul';
import { normalAt, uniformAt } from '../rng';
import { resizeSource } from './resize';
import { memoryStats } from '../memory';

export class CpuStorage implements Storage {
  readonly backend = 'cpu' as const;
  constructor(
    public data: FloatArray,
    readonly bytes: number,
  ) {}
}

function arr(s: Storage): FloatArray {
  return (s as CpuStorage).data;
}

export function unaryScalar(op: UnaryOp, x: number, a: number, b: number): number {
  switch (op) {
    case 'copy': return x;
    case 'neg': return -x;
    case 'exp': return Math.exp(x);
    case 'log': return Math.log(x);
    case 'sqrt': return Math.sqrt(x);
    case 'rsqrt': return 1 / Math.sqrt(x);
    case 'abs': return Math.abs(x);
    case 'sign': return x > 0 ? 1 : x < 0 ? -1 : 0;
    case 'relu': return x > 0 ? x : 0;
    case 'leakyRelu': return x > 0 ? x : a * x;
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'tanh': return Math.tanh(x);
    case 'clamp': return Math.min(Math.max(x, a), b);
    case 'powScalar': return Math.pow(x, a);
    case 'affine': return a * x + b;
    case 'reciprocal': return 1 / x;
    case 'square': return x * x;
    case 'step': return x > a ? 1 : 0;
    case 'leakyReluDeriv': return x > 0 ? 1 : a;
    case 'clampMask': return x >= a && x <= b ? 1 : 0;
    case 'floor': return Math.floor(x);
  }
}

export function binaryScalar(op: BinaryOp, x: number, y: number): number {
  switch (op) {
    case 'add': return x + y;
    case 'sub': return x - y;
    case 'mul': return x * y;
    case 'div': return x / y;
    case 'pow': return Math.pow(x, y);
    case 'maximum': return Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y);
    case 'minimum': return Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y);
    case 'eq': return x === y ? 1 : 0;
    case 'ne': return x !== y ? 1 : 0;
    case 'gt': return x > y ? 1 : 0;
    case 'ge': return x >= y ? 1 : 0;
    case 'lt': return x < y ? 1 : 0;
    case 'le': return x <= y ? 1 : 0;
  }
}

/** Calls fn(flatOut, offsets...) for every element of outShape, tracking strided offsets incrementally. */
function forEachStrided(outShape: number[], strideSets: number[][], fn: (i: number, offs: number[]) => void): void {
  const rank = outShape.length;
  const total = outShape.reduce((p, d) => p * d, 1);
  if (total === 0) return;
  const idx = new Array<number>(rank).fill(0);
  const offs = strideSets.map(() => 0);
  for (let i = 0; i < total; i++) {
    fn(i, offs);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      for (let s = 0; s < strideSets.length; s++) offs[s] += strideSets[s][d];
      if (idx[d] < outShape[d]) break;
      for (let s = 0; s < strideSets.length; s++) offs[s] -= strideSets[s][d] * outShape[d];
      idx[d] = 0;
    }
  }
}

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;

  supports(_dtype: DType): boolean {
    return true;
  }

  alloc(size: number, dtype: DType): Storage {
    const bytes = size * bytesPer(dtype);
    memoryStats.allocated('cpu', bytes);
    return new CpuStorage(arrayFor(dtype, size), bytes);
  }

  upload(data: FloatArray, dtype: DType): Storage {
    const s = this.alloc(data.length, dtype);
    arr(s).set(data);
    return s;
  }

  free(s: Storage): void {
    memoryStats.freed('cpu', s.bytes);
    (s as CpuStorage).data = new Float32Array(0);
  }

  async read(s: Storage, size: number, _dtype: DType): Promise<FloatArray> {
    return arr(s).slice(0, size);
  }

  flush(): void {}
  async sync(): Promise<void> {}

  fill(out: Storage, size: number, value: number): void {
    arr(out).fill(value, 0, size);
  }

  copy(src: Storage, dst: Storage, size: number): void {
    arr(dst).set(arr(src).subarray(0, size));
  }

  unary(op: UnaryOp, x: Storage, out: Storage, size: number, a: number, b: number): void {
    const xs = arr(x);
    const ys = arr(out);
    for (let i = 0; i < size; i++) ys[i] = unaryScalar(op, xs[i], a, b);
  }

  binary(op: BinaryOp, a: Storage, aStrides: number[], b: Storage, bStrides: number[], out: Storage, outShape: number[]): void {
    const as = arr(a);
    const bs = arr(b);
    const ys = arr(out);
    forEachStrided(outShape, [aStrides, bStrides], (i, [oa, ob]) => {
      ys[i] = binaryScalar(op, as[oa], bs[ob]);
    });
  }

  where(c: Storage, cStrides: number[], a: Storage, aStrides: number[], b: Storage, bStrides: number[], out: Storage, outShape: number[]): void {
    const cs = arr(c);
    const as = arr(a);
    const bs = arr(b);
    const ys = arr(out);
    forEachStrided(outShape, [cStrides, aStrides, bStrides], (i, [oc, oa, ob]) => {
      ys[i] = cs[oc] !== 0 ? as[oa] : bs[ob];
    });
  }

  reduce(op: ReduceOp, x: Storage, out: Storage, rows: number, len: number, outer = 1, midInner = 1): void {
    const xs = arr(x);
    const ys = arr(out);
    const inner = len / outer;
    // Element j of row r: layout [outer, rows, inner] (reduce outer and inner), or
    // [rows / midInner, len, midInner] (reduce the middle axis).
    const at = (r: number, j: number) => {
      if (midInner > 1) {
        const o = Math.floor(r / midInner);
        return (o * len + j) * midInner + (r - o * midInner);
      }
      const o = Math.floor(j / inner);
      return (o * rows + r) * inner + (j - o * inner);
    };
    for (let r = 0; r < rows; r++) {
      if (op === 'sum') {
        let acc = 0;
        for (let j = 0; j < len; j++) acc += xs[at(r, j)];
        ys[r] = acc;
        continue;
      }
      // max/min propagate NaN (PyTorch); arg ops return the first extreme index.
      const isMax = op === 'max' || op === 'argmax';
      let best = len ? xs[at(r, 0)] : isMax ? -Infinity : Infinity;
      let bestIdx = 0;
      for (let j = 1; j < len && !Number.isNaN(best); j++) {
        const v = xs[at(r, j)];
        if (Number.isNaN(v) || (isMax ? v > best : v < best)) {
          best = v;
          bestIdx = j;
        }
      }
      ys[r] = op === 'argmax' || op === 'argmin' ? bestIdx : best;
    }
  }

  gather(x: Storage, out: Storage, outShape: number[], dims: GatherDim[], fill: number): void {
    const xs = arr(x);
    const ys = arr(out);
    const rank = outShape.length;
    const total = outShape.reduce((p, d) => p * d, 1);
    const idx = new Array<number>(rank).fill(0);
    for (let i = 0; i < total; i++) {
      let off = 0;
      let valid = true;
      for (let d = 0; d < rank; d++) {
        const c = dims[d].start + idx[d] * dims[d].step;
        if (c < 0 || c >= dims[d].bound) valid = false;
        off += c * dims[d].inStride;
      }
      ys[i] = valid ? xs[off] : fill;
      for (let d = rank - 1; d >= 0; d--) {
        if (++idx[d] < outShape[d]) break;
        idx[d] = 0;
      }
    }
  }

  place(src: Storage, srcShape: number[], dst: Storage, dims: PlaceDim[]): void {
    const xs = arr(src);
    const ys = arr(dst);
    const rank = srcShape.length;
    const total = srcShape.reduce((p, d) => p * d, 1);
    const idx = new Array<number>(rank).fill(0);
    for (let i = 0; i < total; i++) {
      let off = 0;
      for (let d = 0; d < rank; d++) off += (dims[d].start + idx[d] * dims[d].step) * dims[d].dstStride;
      ys[off] = xs[i];
      for (let d = rank - 1; d >= 0; d--) {
        if (++idx[d] < srcShape[d]) break;
        idx[d] = 0;
      }
    }
  }

  matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void {
    arr(out).set(matmulCpu(arr(a), arr(b), p));
  }

  convForward(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: ConvGeometry): void {
    arr(y).set(convForwardCpu(arr(x), arr(w), bias ? arr(bias) : null, g));
  }

  convGradInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void {
    arr(dx).set(convGradInputCpu(arr(dy), arr(w), g));
  }

  convGradWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void {
    arr(dw).set(convGradWeightCpu(arr(x), arr(dy), g));
  }

  pool(x: Storage, y: Storage, g: PoolGeometry): void {
    const xs = arr(x);
    const ys = arr(y);
    const [iD, iH, iW] = g.inSize;
    const [oD, oH, oW] = g.outSize;
    const inPlane = iD * iH * iW;
    let o = 0;
    for (let p = 0; p < g.planes; p++) {
      for (let od = 0; od < oD; od++) for (let oh = 0; oh < oH; oh++) for (let ow = 0; ow < oW; ow++) {
        const win = poolWindow(g, [od, oh, ow]);
        let acc = g.mode === 'max' ? -Infinity : 0;
        for (let d = win.lo[0]; d < win.hi[0]; d++) for (let h = win.lo[1]; h < win.hi[1]; h++) for (let w = win.lo[2]; w < win.hi[2]; w++) {
          const v = xs[p * inPlane + (d * iH + h) * iW + w];
          if (g.mode === 'max') {
            if (v > acc || Number.isNaN(v)) acc = v;
          } else acc += v;
        }
        ys[o++] = g.mode === 'max' ? acc : acc / win.divisor;
      }
    }
  }

  poolBackward(x: Storage, dy: Storage, dx: Storage, g: PoolGeometry): void {
    // The literal adjoint of pool(): scatter each output's gradient to its window.
    const xs = arr(x);
    const gys = arr(dy);
    const gxs = arr(dx);
    gxs.fill(0);
    const [, iH, iW] = g.inSize;
    const [oD, oH, oW] = g.outSize;
    const inPlane = g.inSize[0] * iH * iW;
    let o = 0;
    for (let p = 0; p < g.planes; p++) {
      for (let od = 0; od < oD; od++) for (let oh = 0; oh < oH; oh++) for (let ow = 0; ow < oW; ow++) {
        const win = poolWindow(g, [od, oh, ow]);
        const gy = gys[o++];
        let best = -Infinity;
        let bestAt = -1;
        for (let d = win.lo[0]; d < win.hi[0]; d++) for (let h = win.lo[1]; h < win.hi[1]; h++) for (let w = win.lo[2]; w < win.hi[2]; w++) {
          const at = p * inPlane + (d * iH + h) * iW + w;
          if (g.mode === 'max') {
            if (bestAt < 0 || xs[at] > best || (Number.isNaN(xs[at]) && !Number.isNaN(best))) {
              best = xs[at];
              bestAt = at;
            }
          } else gxs[at] += gy / win.divisor;
        }
        if (g.mode === 'max' && bestAt >= 0) gxs[bestAt] += gy;
      }
    }
  }

  resize1d(x: Storage, y: Storage, p: Resize1dParams): void {
    const xs = arr(x);
    const ys = arr(y);
    for (let o = 0; o < p.outer; o++) {
      for (let j = 0; j < p.outLen; j++) {
        const { i0, i1, w0, w1 } = resizeSource(p, j);
        const b0 = (o * p.inLen + i0) * p.inner;
        const b1 = (o * p.inLen + i1) * p.inner;
        const bo = (o * p.outLen + j) * p.inner;
        for (let k = 0; k < p.inner; k++) ys[bo + k] = w0 * xs[b0 + k] + w1 * xs[b1 + k];
      }
    }
  }

  resize1dBackward(dy: Storage, dx: Storage, p: Resize1dParams): void {
    const gys = arr(dy);
    const gxs = arr(dx);
    gxs.fill(0);
    for (let o = 0; o < p.outer; o++) {
      for (let j = 0; j < p.outLen; j++) {
        const { i0, i1, w0, w1 } = resizeSource(p, j);
        const b0 = (o * p.inLen + i0) * p.inner;
        const b1 = (o * p.inLen + i1) * p.inner;
        const bo = (o * p.outLen + j) * p.inner;
        for (let k = 0; k < p.inner; k++) {
          gxs[b0 + k] += w0 * gys[bo + k];
          gxs[b1 + k] += w1 * gys[bo + k];
        }
      }
    }
  }

  random(out: Storage, size: number, seed: number, stream: number, normal: boolean): void {
    const ys = arr(out);
    for (let i = 0; i < size; i++) ys[i] = normal ? normalAt(seed, stream, i) : uniformAt(seed, stream, i);
  }

  adam(param: Storage, grad: Storage, m: Storage, v: Storage, size: number, p: AdamParams): void {
    const ps = arr(param), gs = arr(grad), ms = arr(m), vs = arr(v);
    const bc1 = 1 - Math.pow(p.beta1, p.step);
    const bc2 = 1 - Math.pow(p.beta2, p.step);
    const stepSize = p.lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    for (let i = 0; i < size; i++) {
      let g = gs[i];
      if (p.decoupled) ps[i] *= 1 - p.lr * p.weightDecay;
      else if (p.weightDecay !== 0) g += p.weightDecay * ps[i];
      ms[i] = p.beta1 * ms[i] + (1 - p.beta1) * g;
      vs[i] = p.beta2 * vs[i] + (1 - p.beta2) * g * g;
      const denom = Math.sqrt(vs[i]) / sqrtBc2 + p.eps;
      ps[i] -= (stepSize * ms[i]) / denom;
    }
  }

  sgd(param: Storage, grad: Storage, buf: Storage | null, size: number, p: SgdParams): void {
    const ps = arr(param), gs = arr(grad);
    const bs = buf ? arr(buf) : null;
    for (let i = 0; i < size; i++) {
      let g = gs[i];
      if (p.weightDecay !== 0) g += p.weightDecay * ps[i];
      if (p.momentum !== 0 && bs) {
        bs[i] = p.firstStep ? g : p.momentum * bs[i] + (1 - p.dampening) * g;
        g = p.nesterov ? g + p.momentum * bs[i] : bs[i];
      }
      ps[i] -= p.lr * g;
    }
  }
}

/** The input window of one pooling output: [lo, hi) per axis and the average's divisor. */
export function poolWindow(g: PoolGeometry, o: [number, number, number]): { lo: number[]; hi: number[]; divisor: number } {
  const lo = [0, 0, 0];
  const hi = [0, 0, 0];
  let full = 1;
  let inside = 1;
  for (let a = 0; a < 3; a++) {
    if (g.mode === 'adaptiveAvg') {
      lo[a] = Math.floor((o[a] * g.inSize[a]) / g.outSize[a]);
      hi[a] = Math.ceil(((o[a] + 1) * g.inSize[a]) / g.outSize[a]);
      full *= hi[a] - lo[a];
    } else {
      const start = o[a] * g.stride[a] - g.padding[a];
      const end = Math.min(start + g.kernel[a], g.inSize[a] + g.padding[a]);
      full *= end - start;
      lo[a] = Math.max(start, 0);
      hi[a] = Math.min(end, g.inSize[a]);
    }
    inside *= hi[a] - lo[a];
  }
  const divisor = g.mode === 'adaptiveAvg' ? full : g.countIncludePad ? full : inside;
  return { lo, hi, divisor };
}

/**
 * Plain-JS float64 references of ivadomed's losses, for the tests: nested loops written straight
 * from losses.py (INVENTORY §c), sharing no code with the engine versions. Arrays are flat,
 * row-major [N, C, spatial...].
 */
export interface Arr {
  data: ArrayLike<number>;
  shape: number[];
}

const spatialSize = (shape: number[]): number => shape.slice(2).reduce((a, b) => a * b, 1);
const at = (a: Arr, n: number, c: number, s: number): number => a.data[(n * a.shape[1] + c) * spatialSize(a.shape) + s];

function total(xs: ArrayLike<number>, f: (i: number) => number = (i) => xs[i]): number {
  let acc = 0;
  for (let i = 0; i < xs.length; i++) acc += f(i);
  return acc;
}

export function refDiceCoefficient(p: ArrayLike<number>, t: ArrayLike<number>, smooth = 1): number {
  return (2 * total(p, (i) => p[i] * t[i]) + smooth) / (total(p) + total(t) + smooth);
}

export const refDice = (p: ArrayLike<number>, t: ArrayLike<number>, smooth = 1): number => -refDiceCoefficient(p, t, smooth);

/** Per class: gather p[:, c] and t[:, c] and take the Dice loss (s = 1). */
export function refMultiClassDice(p: Arr, t: Arr, classes: number[] | null = null): number {
  const [N, C] = p.shape;
  const S = spatialSize(p.shape);
  const list = classes ?? Array.from({ length: C }, (_, c) => c);
  let acc = 0;
  for (const c of list) {
    const pc: number[] = [];
    const tc: number[] = [];
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) {
      pc.push(at(p, n, c, s));
      tc.push(at(t, n, c, s));
    }
    acc += refDice(pc, tc, 1);
  }
  return acc / list.length;
}

export function refBce(p: ArrayLike<number>, t: ArrayLike<number>): number {
  const clog = (x: number) => Math.max(Math.log(x), -100);
  return total(p, (i) => -(t[i] * clog(p[i]) + (1 - t[i]) * clog(1 - p[i]))) / p.length;
}

export function refFocal(p: ArrayLike<number>, t: ArrayLike<number>, gamma = 2, alpha = 0.25, eps = 1e-7): number {
  return total(p, (i) => {
    const x = Math.min(Math.max(p[i], eps), 1 - eps);
    const ce = -(t[i] * Math.log(x) + (1 - t[i]) * Math.log(1 - x));
    const pt = Math.exp(-ce);
    const a = alpha * t[i] + (1 - alpha) * (1 - t[i]);
    return a * ce * Math.pow(1 - pt, gamma);
  });
}

export function refFocalDice(p: ArrayLike<number>, t: ArrayLike<number>, beta = 1, gamma = 2, alpha = 0.25): number {
  return Math.log(Math.max(refFocal(p, t, gamma, alpha), 1e-7)) - beta * Math.log(Math.max(refDiceCoefficient(p, t, 1), 1e-7));
}

export function refGeneralizedDice(p: Arr, t: Arr, epsilon = 1e-5, includeBackground = true): number {
  const [N, C] = p.shape;
  const S = spatialSize(p.shape);
  const channels = includeBackground ? C + 1 : C;
  // Value of channel c at (n, s), the appended background channel being 1 where all channels are 0.
  const val = (a: Arr, n: number, c: number, s: number): number => {
    if (c < C) return at(a, n, c, s);
    let sumC = 0;
    for (let k = 0; k < C; k++) sumC += at(a, n, k, s);
    return sumC === 0 ? 1 : 0;
  };
  let intersect = 0;
  let union = 0;
  for (let n = 0; n < N; n++) for (let c = 0; c < channels; c++) {
    let tSum = 0;
    let pt = 0;
    let pPlusT = 0;
    for (let s = 0; s < S; s++) {
      const pv = val(p, n, c, s);
      const tv = val(t, n, c, s);
      tSum += tv;
      pt += pv * tv;
      pPlusT += pv + tv;
    }
    const w = 1 / Math.max(tSum * tSum, epsilon);
    intersect += pt * w;
    union += pPlusT * w;
  }
  return (-2 * intersect) / Math.max(union, epsilon);
}

function refTverskyIndices(p: Arr, t: Arr, alpha: number, beta: number, smooth: number): number[] {
  const [N, C] = p.shape;
  const S = spatialSize(p.shape);
  const out: number[] = [];
  for (let c = 0; c < C; c++) {
    let tp = 0;
    let fn = 0;
    let fp = 0;
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) {
      const pv = at(p, n, c, s);
      const tv = at(t, n, c, s);
      tp += tv * pv;
      fn += tv * (1 - pv);
      fp += (1 - tv) * pv;
    }
    out.push((tp + smooth) / (tp + alpha * fp + beta * fn + smooth));
  }
  return out;
}

export function refTversky(p: Arr, t: Arr, alpha = 0.7, beta = 0.3, smooth = 1): number {
  const ti = refTverskyIndices(p, t, alpha, beta, smooth);
  return -ti.reduce((a, b) => a + b, 0) / ti.length;
}

export function refFocalTversky(p: Arr, t: Arr, alpha = 0.7, beta = 0.3, gamma = 1.33, smooth = 1): number {
  const ti = refTverskyIndices(p, t, alpha, beta, smooth);
  return ti.reduce((a, v) => a + Math.pow(1 - v, 1 / gamma), 0) / ti.length;
}

export const refL2 = (p: ArrayLike<number>, t: ArrayLike<number>): number => total(p, (i) => (p[i] - t[i]) ** 2) / 2;

export function refAdapWing(p: ArrayLike<number>, t: ArrayLike<number>, theta = 0.5, alpha = 2.1, omega = 14, epsilon = 1): number {
  return total(p, (i) => {
    const e = alpha - t[i];
    const r = theta / epsilon;
    const A = omega * (1 / (1 + Math.pow(r, e))) * e * Math.pow(r, e - 1) * (1 / epsilon);
    const C = theta * A - omega * Math.log(1 + Math.pow(r, e));
    const d = Math.abs(t[i] - p[i]);
    return d < theta ? omega * Math.log(1 + Math.pow(d / epsilon, e)) : A * d - C;
  });
}

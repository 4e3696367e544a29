import { describe, expect, it } from 'vitest';
import { convForwardCpu, convGradInputCpu, convGradWeightCpu, convOutputSize, type ConvGeometry } from './conv';

const x3 = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
const w2 = new Float32Array([1, 2, 3, 4]);

function geom(overrides: Partial<ConvGeometry>): ConvGeometry {
  return { n: 1, cIn: 1, cOut: 1, inSize: [3, 3], kernel: [2, 2], stride: [1, 1], padding: [0, 0], dilation: [1, 1], ...overrides };
}

/** A deterministic pseudo-random array in [-1, 1). */
function rand(length: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe('convOutputSize', () => {
  it('follows PyTorch: floor((in + 2p - d(k-1) - 1) / s) + 1', () => {
    expect(convOutputSize(geom({}))).toEqual([2, 2]);
    expect(convOutputSize(geom({ inSize: [7, 8, 9], kernel: [3, 3, 3], stride: [2, 1, 3], padding: [1, 0, 2], dilation: [1, 2, 1] }))).toEqual([4, 4, 4]);
    expect(convOutputSize(geom({ inSize: [20, 21], kernel: [20, 20], stride: [1, 1], padding: [0, 0], dilation: [1, 1] }))).toEqual([1, 2]);
  });

  it('names the problem when the kernel does not fit or a field is malformed', () => {
    expect(() => convOutputSize(geom({ kernel: [4, 4] }))).toThrow(/kernel \[4, 4\] with dilation \[1, 1\] does not fit input \[3, 3\]/);
    expect(() => convOutputSize(geom({ stride: [1] }))).toThrow(/stride must have 2 entries/);
    expect(() => convOutputSize(geom({ inSize: [3] }))).toThrow(/inSize must have 2 or 3 spatial dims/);
    expect(() => convOutputSize(geom({ padding: [-1, 0] }))).toThrow(/padding entries must be integers >= 0/);
    expect(() => convForwardCpu(new Float32Array(8), w2, null, geom({}))).toThrow(/x has 8 elements, expected 9 for shape \[1, 1, 3, 3\]/);
  });
});

describe('convForwardCpu (worked by hand on a 3x3 input, 2x2 kernel [[1,2],[3,4]])', () => {
  it('no padding, stride 1', () => {
    // out[0,0] = 1*1 + 2*2 + 4*3 + 5*4 = 37, then 47, 67, 77.
    expect([...convForwardCpu(x3, w2, null, geom({}))]).toEqual([37, 47, 67, 77]);
  });

  it('adds the bias per output channel', () => {
    expect([...convForwardCpu(x3, w2, new Float32Array([0.5]), geom({}))]).toEqual([37.5, 47.5, 67.5, 77.5]);
  });

  it('padding 1, stride 2', () => {
    // Windows start at -1 and 1: out[0,0] = 1*4; out[0,1] = 2*3 + 3*4; out[1,0] = 4*2 + 7*4; out[1,1] = 5+12+24+36.
    expect([...convForwardCpu(x3, w2, null, geom({ padding: [1, 1], stride: [2, 2] }))]).toEqual([4, 18, 36, 77]);
  });

  it('dilation 2', () => {
    // Taps at (0,0), (0,2), (2,0), (2,2): 1*1 + 3*2 + 7*3 + 9*4 = 64.
    expect([...convForwardCpu(x3, w2, null, geom({ dilation: [2, 2] }))]).toEqual([64]);
  });

  it('sums over input channels and keeps output channels apart (2 -> 2, 1x1 kernel)', () => {
    const x = new Float64Array([1, 2, 10, 20]); // [1, 2, 1, 2]
    const w = new Float64Array([1, 1, 2, -1]); // [2, 2, 1, 1]
    const y = convForwardCpu(x, w, new Float64Array([0, 100]), { n: 1, cIn: 2, cOut: 2, inSize: [1, 2], kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1] });
    expect(y).toBeInstanceOf(Float64Array);
    expect([...y]).toEqual([11, 22, 100 + 2 - 10, 100 + 4 - 20]);
  });

  it('3D: a 2x2x2 kernel of ones sums each 2x2x2 block', () => {
    const x = Float64Array.from({ length: 27 }, (_, i) => i);
    const y = convForwardCpu(x, new Float64Array(8).fill(1), null, { n: 1, cIn: 1, cOut: 1, inSize: [3, 3, 3], kernel: [2, 2, 2], stride: [1, 1, 1], padding: [0, 0, 0], dilation: [1, 1, 1] });
    // Block at (0,0,0): indices 0,1,3,4,9,10,12,13 -> 52; each step +1 in w adds 8, in h 24, in d 72.
    expect([...y]).toEqual([52, 60, 76, 84, 124, 132, 148, 156]);
  });
});

describe('convolution gradients (CPU)', () => {
  it('grad-input and grad-weight by hand with dy = ones', () => {
    const dy = new Float32Array([1, 1, 1, 1]);
    // Each input pixel receives the sum of the kernel taps that touch it.
    expect([...convGradInputCpu(dy, w2, geom({}))]).toEqual([1, 3, 2, 4, 10, 6, 3, 7, 4]);
    // Each tap receives the sum of the input pixels it sees.
    expect([...convGradWeightCpu(x3, dy, geom({}))]).toEqual([12, 16, 24, 28]);
  });

  const cases: [string, ConvGeometry][] = [
    ['2D stride 2, padding 1, dilation 2, batch 2', { n: 2, cIn: 3, cOut: 2, inSize: [6, 5], kernel: [3, 2], stride: [2, 1], padding: [1, 2], dilation: [2, 1] }],
    ['3D odd sizes, stride (1,2,1), padding', { n: 1, cIn: 2, cOut: 3, inSize: [4, 5, 6], kernel: [2, 3, 3], stride: [1, 2, 1], padding: [1, 1, 0], dilation: [1, 1, 2] }],
  ];
  for (const [name, g] of cases) {
    it(`match central finite differences of <conv(x, w) + b, dy> in float64: ${name}`, () => {
      const [o0, o1, o2 = 1] = convOutputSize(g);
      const k = g.kernel.reduce((a, b) => a * b, 1);
      const x = rand(g.n * g.cIn * g.inSize.reduce((a, b) => a * b, 1), 1);
      const w = rand(g.cOut * g.cIn * k, 2);
      const bias = rand(g.cOut, 3);
      const dy = rand(g.n * g.cOut * o0 * o1 * o2, 4);
      const loss = (xx: Float64Array, ww: Float64Array) => dot(convForwardCpu(xx, ww, bias, g), dy);
      const h = 1e-4;
      const dx = convGradInputCpu(dy, w, g);
      const dw = convGradWeightCpu(x, dy, g);
      expect(dx).toBeInstanceOf(Float64Array);
      expect(dx.length).toBe(x.length);
      expect(dw.length).toBe(w.length);
      for (let i = 0; i < x.length; i++) {
        const xp = x.slice(); xp[i] += h;
        const xm = x.slice(); xm[i] -= h;
        expect(dx[i]).toBeCloseTo((loss(xp, w) - loss(xm, w)) / (2 * h), 7);
      }
      for (let i = 0; i < w.length; i++) {
        const wp = w.slice(); wp[i] += h;
        const wm = w.slice(); wm[i] -= h;
        expect(dw[i]).toBeCloseTo((loss(x, wp) - loss(x, wm)) / (2 * h), 7);
      }
      // Some gradient must be non-zero, or the check above proves nothing.
      expect(dx.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    });
  }
});

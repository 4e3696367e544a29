/**
 * Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the
 * counter-based generator shared with kernels/rng.wgsl. Element i of a random tensor is a pure
 * function of (seed, stream, i): the same seed gives the same dropout masks on CPU and WebGPU,
 * in any order of evaluation. Integer math only up to the final float conversion, which is exact
 * (24 random bits scaled by 2^-24), so uniform values are bit-identical on both backends.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32 (16-bit limbs; the WGSL version is identical). */
export function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const p0 = aLo * bLo;
  const p1 = aLo * bHi;
  const p2 = aHi * bLo;
  const p3 = aHi * bHi;
  const mid = (p0 >>> 16) + (p1 & 0xffff) + (p2 & 0xffff);
  return (p3 + (p1 >>> 16) + (p2 >>> 16) + (mid >>> 16)) >>> 0;
}

/** The four 32-bit outputs of Philox4x32-10 for counter (c0..c3) and key (k0, k1). */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): [number, number, number, number] {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = c2 >>> 0, x3 = c3 >>> 0;
  let key0 = k0 >>> 0, key1 = k1 >>> 0;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi32(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi32(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  return [x0, x1, x2, x3];
}

const INV_2_24 = 1 / 16777216;

/** Uniform [0, 1) value of element `index` of stream `stream` under `seed`. */
export function uniformAt(seed: number, stream: number, index: number): number {
  const [x0] = philox4x32(index, stream, 0, 0, seed, 0);
  return (x0 >>> 8) * INV_2_24;
}

/** Standard normal (Box-Muller) value of element `index`. */
export function normalAt(seed: number, stream: number, index: number): number {
  const [x0, x1] = philox4x32(index, stream, 0, 0, seed, 0);
  const u1 = ((x0 >>> 8) + 1) * INV_2_24; // (0, 1]: log is finite
  const u2 = (x1 >>> 8) * INV_2_24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Global generator state: a seed and a stream counter advanced by every random op. */
const state = { seed: 0x5eed, stream: 0 };

/** Seeds the generator (like torch.manual_seed): the sequence of random ops after it is reproducible. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new Error(`manualSeed: seed must be an integer, got ${seed}`);
  state.seed = seed >>> 0;
  state.stream = 0;
}

/** Takes the next stream of the global generator: (seed, stream) for one random tensor. */
export function nextStream(): { seed: number; stream: number } {
  const s = { seed: state.seed, stream: state.stream };
  state.stream = (state.stream + 1) >>> 0;
  return s;
}

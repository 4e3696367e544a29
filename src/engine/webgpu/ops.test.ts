import { describe, expect, it } from 'vitest';
import { testDevice, testDeviceWithLimits } from '../../../test/gpu';
import {
  setBackend, add, sub, mul, div, pow, exp, log, sqrt, abs, clamp, relu, leakyRelu, sigmoid, tanh, maximum, minimum,
  where, gt, ge, eq, lt, le, sum, mean, max, min, variance, argmax, argmin, reshape, permute, slice, pad, flip, concat, broadcastTo,
  softmax, logSoftmax, matmul, maxPool, avgPool, interpolate, square, rand, randn, manualSeed, memory, scope, zeros, ones, full,
} from '../index';
import { compareBackends, seededValues } from '../testing';
import { WebGpuBackend, type GpuStorage } from './backend';
import { webgpuBackend } from '../registry';
import { CpuBackend } from '../cpu/backend';
import type { Tensor } from '../tensor';

const inp = (shape: number[], seed: number, lo = -2, hi = 2) => ({ shape, values: seededValues(shape.reduce((p, d) => p * d, 1), seed, lo, hi) });

describe('WebGPU ops equal CPU ops', async () => {
  const acquired = await testDevice();
  if (acquired) setBackend('webgpu', { device: acquired.device });
  setBackend('cpu');

  const unaryCases: Array<[string, (x: Tensor) => Tensor, number, number]> = [
    ['neg', (x) => x.neg(), -2, 2], ['exp', exp, -2, 2], ['log', log, 0.1, 3], ['sqrt', sqrt, 0, 3], ['abs', abs, -2, 2],
    ['relu', relu, -2, 2], ['leakyRelu', (x) => leakyRelu(x, 0.1), -2, 2], ['sigmoid', sigmoid, -8, 8], ['tanh', tanh, -30, 30],
    ['clamp', (x) => clamp(x, -0.5, 0.7), -2, 2], ['square', square, -2, 2], ['pow 3', (x) => pow(x, 3), -2, 2], ['pow 0.5', (x) => pow(x, 0.5), 0, 2],
    ['affine', (x) => sub(2, mul(x, 3)), -2, 2], ['reciprocal', (x) => div(1, x), 0.5, 2],
  ];
  for (const [name, fn, lo, hi] of unaryCases) {
    it.skipIf(!acquired)(`unary ${name} (values and gradient, odd size)`, async () => {
      await compareBackends(fn, [inp([3, 37, 5], 1, lo, hi)], { grads: true, label: name });
    });
  }

  const binaryCases: Array<[string, (a: Tensor, b: Tensor) => Tensor, number[], number[]]> = [
    ['add same', add, [2, 3, 33], [2, 3, 33]],
    ['add broadcast', add, [2, 3, 33], [3, 1]],
    ['sub broadcast', sub, [4, 1, 5], [3, 1]],
    ['mul broadcast', mul, [2, 3, 7, 5], [1, 3, 1, 1]],
    ['div', div, [5, 7], [7]],
    ['pow', (a, b) => pow(abs(a), b), [6, 7], [6, 7]],
    ['maximum', maximum, [3, 9], [3, 9]],
    ['minimum', minimum, [3, 9], [9]],
    ['where', (a, b) => where(gt(a, b), a, b), [4, 8], [8]],
    ['mul per channel (3-D grid path)', mul, [2, 3, 100], [3, 1]],
    ['sub rank 3 both broadcast (3-D grid path)', sub, [3, 1, 70], [1, 4, 70]],
    ['where (3-D grid path)', (a, b) => where(gt(a, 0), a, b), [5, 130], [130]],
  ];
  for (const [name, fn, sa, sb] of binaryCases) {
    it.skipIf(!acquired)(`binary ${name}`, async () => {
      await compareBackends(fn, [inp(sa, 2), inp(sb, 3)], { grads: true, label: name });
    });
  }

  it.skipIf(!acquired)('comparisons', async () => {
    const a = { shape: [40], values: Float32Array.from({ length: 40 }, (_, i) => (i % 5) - 2) };
    const b = { shape: [1], values: new Float32Array([0]) };
    for (const f of [eq, gt, ge, lt, le]) await compareBackends((x, y) => f(x, y), [a, b]);
  });

  const reduceCases: Array<[string, (x: Tensor) => Tensor, number[]]> = [
    ['sum all (long row)', (x) => sum(x), [5, 7, 31]],
    ['sum axis 1 keepdim', (x) => sum(x, 1, true), [5, 7, 31]],
    ['sum axes 0,2 (permuted)', (x) => sum(x, [0, 2]), [5, 7, 31]],
    ['mean spatial', (x) => mean(x, [2, 3]), [2, 3, 9, 11]],
    ['max axis -1', (x) => max(x, -1), [6, 300]],
    ['sum of few long rows (segmented)', (x) => sum(x, 1), [3, 20001]],
    ['min of few long rows (segmented)', (x) => min(x, -1), [2, 9000]],
    ['min axis 0', (x) => min(x, 0), [70, 3]],
    ['var', (x) => variance(x, [0, 2]), [3, 4, 50]],
    ['argmax', (x) => argmax(x, 1), [4, 77]],
    ['argmin', (x) => argmin(x, 0), [77, 4]],
    ['argmax over channels', (x) => argmax(x, 1), [2, 5, 7, 3]],
    ['max over the middle axes', (x) => max(x, [1, 2]), [3, 4, 5, 6]],
    ['softmax', (x) => softmax(x, 1), [2, 5, 3, 3]],
    ['logSoftmax', (x) => logSoftmax(x, -1), [4, 19]],
  ];
  for (const [name, fn, shape] of reduceCases) {
    it.skipIf(!acquired)(`reduce ${name}`, async () => {
      await compareBackends(fn, [inp(shape, 4)], { grads: !name.startsWith('arg'), label: name, atol: 1e-4 });
    });
  }

  const shapeCases: Array<[string, (x: Tensor) => Tensor, number[]]> = [
    ['reshape', (x) => reshape(x, [6, -1]), [2, 3, 10]],
    ['permute', (x) => permute(x, [2, 0, 3, 1]), [2, 3, 5, 7]],
    ['slice with step', (x) => slice(x, [null, [1, 3], [0, 9, 3], [-4]]), [2, 3, 9, 7]],
    ['pad', (x) => pad(x, [[1, 2], [3, 0]], 0.25), [2, 3, 5, 4]],
    ['flip', (x) => flip(x, [1, 3]), [2, 3, 5, 4]],
    ['broadcastTo', (x) => broadcastTo(x, [3, 4, 5]), [4, 1]],
    ['concat', (x) => concat([x, mul(x, 2), x], 1), [2, 3, 5]],
  ];
  for (const [name, fn, shape] of shapeCases) {
    it.skipIf(!acquired)(`shape ${name}`, async () => {
      await compareBackends(fn, [inp(shape, 5)], { grads: true, label: name });
    });
  }

  it.skipIf(!acquired)('matmul (batched, 2-D rhs, broadcast batch) with gradients', async () => {
    await compareBackends(matmul, [inp([3, 17, 9], 20), inp([3, 9, 13], 21)], { grads: true, label: 'batched', atol: 1e-4 });
    await compareBackends(matmul, [inp([2, 5, 33], 22), inp([33, 7], 23)], { grads: true, label: '2-D rhs', atol: 1e-4 });
    await compareBackends(matmul, [inp([5, 6], 24), inp([2, 6, 3], 25)], { grads: true, label: 'broadcast lhs', atol: 1e-4 });
  });

  it.skipIf(!acquired)('random numbers are identical on both backends for one seed', async () => {
    manualSeed(42);
    const uc = await rand([1000], { backend: 'cpu' }).data();
    const nc = await randn([1000], { backend: 'cpu' }).data();
    manualSeed(42);
    const ug = await rand([1000], { backend: 'webgpu' }).data();
    const ng = await randn([1000], { backend: 'webgpu' }).data();
    expect([...ug]).toEqual([...uc]);
    for (let i = 0; i < 1000; i++) expect(Math.abs(ng[i] - nc[i])).toBeLessThan(1e-4);
    // Uniform statistics: mean 1/2, all in [0, 1).
    const m = [...uc].reduce((s, v) => s + v, 0) / 1000;
    expect(Math.abs(m - 0.5)).toBeLessThan(0.05);
    expect(Math.min(...uc)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uc)).toBeLessThan(1);
  });

  it.skipIf(!acquired)('fill, readback and memory accounting on the GPU', async () => {
    const before = memory('webgpu');
    const r = scope(() => sum(add(full([10, 10], 2, { backend: 'webgpu' }), ones([10], { backend: 'webgpu' }))));
    expect(await r.item()).toBe(300);
    r.dispose();
    const after = memory('webgpu');
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.pooledBytes).toBeGreaterThan(0);
    expect(await zeros([3], { backend: 'webgpu' }).array()).toEqual([0, 0, 0]);
  });

  it.skipIf(!acquired)('long runs without a readback are submitted in batches (bounded command buffers)', async () => {
    const backend = webgpuBackend()!;
    const before = backend.ctx.submitCount;
    const x = full([4], 1, { backend: 'webgpu' });
    let y = x;
    for (let i = 0; i < 5000; i++) {
      const z = add(y, 1);
      if (y !== x) y.dispose();
      y = z;
    }
    expect(backend.ctx.submitCount).toBeGreaterThan(before);
    expect([...(await y.data())]).toEqual([5001, 5001, 5001, 5001]);
    x.dispose();
    y.dispose();
  });

  it.skipIf(!acquired)('a GPU validation error surfaces at readback, never as zeros', async () => {
    const backend = new WebGpuBackend(acquired!.device);
    const s = backend.alloc(4, 'float32');
    // Bind a range beyond the buffer's end: the dispatch is invalid.
    const pipeline = backend.ctx.pipeline({ label: 'bad', code: '@group(0) @binding(1) var<storage, read_write> y: array<f32>; @compute @workgroup_size(1) fn main() { y[0] = 1.0; }' });
    backend.ctx.dispatch(pipeline, null, [{ buffer: (s as GpuStorage).buffer, offset: 1 << 20, size: 4 }], [1]);
    await expect(backend.read(s, 4, 'float32')).rejects.toThrow(/WebGPU rejected a command/);
    backend.dispose();
  });
});

describe('device loss', async () => {
  const acquired = await testDeviceWithLimits({});
  it.skipIf(!acquired)('a lost device makes the next readback and sync throw GPUDeviceLostError', async () => {
    const backend = new WebGpuBackend(acquired!.device);
    const s = backend.upload(new Float32Array([1, 2, 3]), 'float32');
    expect([...(await backend.read(s, 3, 'float32'))]).toEqual([1, 2, 3]);
    acquired!.device.destroy();
    await expect(backend.read(s, 3, 'float32')).rejects.toThrow(/GPU device was lost/);
    await expect(backend.sync()).rejects.toThrow(/GPU device was lost/);
  });
});

describe('chunked dispatch (maxStorageBufferBindingSize forced to 1 MiB)', async () => {
  // Dawn does not create devices with limits below the WebGPU defaults (128 MiB here), so the
  // backend is told to treat 1 MiB as the limit; the device limit is lowered too where possible.
  const acquired = await testDeviceWithLimits({ maxStorageBufferBindingSize: 1 << 20 });

  it.skipIf(!acquired)('elementwise, broadcast, reductions and random fills over tensors above the limit equal the CPU', async () => {
    setBackend('webgpu', { device: acquired!.device, webgpu: { maxStorageBindingBytes: 1 << 20 } });
    setBackend('cpu');
    const n = 300_001; // 1.2 MB: two chunks of at most 1 MiB
    const gpuBackend = webgpuBackend()!;
    const x = rand([n], { backend: 'webgpu' });
    const dispatches = gpuBackend.ctx.dispatchCount;
    sigmoid(x);
    expect(gpuBackend.ctx.dispatchCount - dispatches).toBe(2);
    await compareBackends((x) => sigmoid(x), [inp([n], 7)], { label: 'unary' });
    await compareBackends((x, y) => add(mul(x, y), x), [inp([n], 8), inp([n], 9)], { label: 'binary' });
    await compareBackends((x, b) => mul(x, b), [inp([3, 100_001], 10), inp([3, 1], 11)], { label: 'broadcast' });
    await compareBackends((x) => sum(x), [inp([n], 12)], { label: 'sum over a row above the limit', atol: 1e-2, rtol: 1e-5 });
    await compareBackends((x) => max(x, 1), [inp([1000, 301], 13)], { label: 'rows split over chunks' });
    await compareBackends((x) => sum(x, 1), [inp([3001, 101], 14)], { label: 'unaligned rows', atol: 1e-4 });
    await compareBackends((x, b) => add(x, b), [inp([2, 300, 1000], 15), inp([1, 300, 1000], 16)], { label: 'broadcast operand above the limit' });
    await compareBackends((x) => permute(x, [1, 0, 2]), [inp([4, 5, 20_001], 17)], { label: 'permute above the limit', grads: true });
    await compareBackends((x) => slice(flip(x, 2), [null, [1, 4], [0, 30_000, 7]]), [inp([2, 5, 30_001], 18)], { label: 'slice/flip above the limit', grads: true });
    await compareBackends((x) => pad(x, [[1, 1], [2, 3]], 0.5), [inp([3, 300, 400], 19)], { label: 'pad above the limit', grads: true });
    await compareBackends((x, y) => concat([x, y], 1), [inp([2, 3, 50_000], 20), inp([2, 2, 50_000], 21)], { label: 'concat above the limit', grads: true });
    await compareBackends((x) => sum(x, [0, 2]), [inp([3, 4, 30_000], 22)], { label: 'reduce over outer+inner axes above the limit', atol: 1e-3 });
    await compareBackends((x) => sum(x, 1), [inp([3, 100, 1000], 26)], { label: 'reduce over the middle axis above the limit', atol: 1e-3 });
    await compareBackends((x) => sum(x, [0, 2]), [inp([3, 4, 5, 20_000], 27)], { label: 'reduce over permuted axes above the limit', atol: 1e-3 });
    await compareBackends((x) => maxPool(x, { kernel: 2 }), [inp([2, 8, 140, 140], 23)], { label: 'maxPool above the limit', grads: true });
    await compareBackends((x) => avgPool(x, { kernel: 3, stride: 2, padding: 1 }), [inp([2, 8, 140, 140], 24)], { label: 'avgPool above the limit', grads: true });
    await compareBackends((x) => interpolate(x, { scaleFactor: 2, mode: 'linear' }), [inp([1, 4, 130, 130], 25)], { label: 'resize above the limit', grads: true });
    // A scattered place (a transpose into a destination above the limit) takes the windowed path.
    const gpuB = webgpuBackend()!;
    const cpuB = new CpuBackend();
    const srcVals = seededValues(200 * 2000, 28);
    const dims = [{ start: 0, step: 1, dstStride: 1 }, { start: 0, step: 1, dstStride: 200 }];
    const dg = gpuB.alloc(400_000, 'float32');
    gpuB.fill(dg, 400_000, 0);
    gpuB.place(gpuB.upload(srcVals, 'float32'), [200, 2000], dg, dims);
    const dc = cpuB.alloc(400_000, 'float32');
    cpuB.place(cpuB.upload(srcVals, 'float32'), [200, 2000], dc, dims);
    const [pg, pc] = [await gpuB.read(dg, 400_000, 'float32'), await cpuB.read(dc, 400_000, 'float32')];
    expect(pg.every((v, i) => v === pc[i])).toBe(true);
    manualSeed(3);
    const uc = await rand([n], { backend: 'cpu' }).data();
    manualSeed(3);
    const ug = await rand([n], { backend: 'webgpu' }).data();
    expect(ug.every((v, i) => v === uc[i])).toBe(true);
    expect(acquired!.uncapturedErrors).toEqual([]);
  });
});

/** Test helpers for the matmul/conv kernel tests: upload, read back, compare, random data. */
import { expect } from 'vitest';
import type { GpuContext } from '../context';

export function upload(device: GPUDevice, data: Float32Array | Float64Array, padElems = 0): GPUBuffer {
  const f32 = (data instanceof Float32Array ? data : Float32Array.from(data)) as Float32Array<ArrayBuffer>;
  const buf = device.createBuffer({
    size: Math.max(16, (f32.length + padElems) * 4),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buf, 0, f32);
  return buf;
}

/** An output buffer pre-filled with NaN, so elements a kernel forgets to write show up. */
export function nanBuffer(device: GPUDevice, length: number): GPUBuffer {
  return upload(device, new Float32Array(length).fill(Number.NaN));
}

export async function readBack(ctx: GpuContext, buf: GPUBuffer, length: number, offsetElems = 0): Promise<Float32Array> {
  const read = ctx.device.createBuffer({ size: Math.max(16, length * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  ctx.endPass();
  ctx.commandEncoder().copyBufferToBuffer(buf, offsetElems * 4, read, 0, length * 4);
  await ctx.sync();
  await read.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(read.getMappedRange().slice(0, length * 4));
  read.unmap();
  read.destroy();
  return out;
}

/** Deterministic pseudo-random values in [-1, 1). */
export function randomArray(length: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Elementwise |got - want| <= atol + rtol * |want|, reporting the first mismatch by index. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol = 1e-4, rtol = 1e-4): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const ok = Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]);
    if (!ok) expect({ index: i, got: got[i] }).toEqual({ index: i, got: want[i] });
  }
}

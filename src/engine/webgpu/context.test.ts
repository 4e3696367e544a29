import { describe, expect, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import { GpuContext, grid } from './context';
import saxpyWgsl from '../../../kernels/selftest_saxpy.wgsl?raw';

function params(a: number, n: number, rowStride: number): ArrayBuffer {
  const buf = new ArrayBuffer(16);
  new Float32Array(buf, 0, 1)[0] = a;
  new Uint32Array(buf, 4, 2).set([n, rowStride]);
  return buf;
}

describe('GpuContext', async () => {
  const acquired = await testDevice();

  it('splits large workgroup counts into a 2D grid', () => {
    expect(grid(10, 65535)).toEqual({ groups: [10, 1], groupsX: 10 });
    expect(grid(65536, 65535)).toEqual({ groups: [65535, 2], groupsX: 65535 });
  });

  it.skipIf(!acquired)('records many dispatches with distinct uniforms into one submit, caching the pipeline', async () => {
    const ctx = new GpuContext(acquired!.device);
    const dev = acquired!.device;
    const n = 5;
    const x = dev.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    const y = dev.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    dev.queue.writeBuffer(x, 0, new Float32Array([1, 2, 3, 4, 5]));
    dev.queue.writeBuffer(y, 0, new Float32Array(n));
    // y += a_k * x for a_k = 1..1500: crosses the 1024-slot arena chunk boundary.
    let expectedScale = 0;
    for (let k = 1; k <= 1500; k++) {
      const p = ctx.pipeline({ label: 'saxpy', code: saxpyWgsl });
      ctx.dispatch(p, params(k, n, 64), [x, y], [1]);
      expectedScale += k;
    }
    expect(ctx.dispatchCount).toBe(1500);
    const read = dev.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    ctx.endPass();
    ctx.commandEncoder().copyBufferToBuffer(y, 0, read, 0, n * 4);
    await ctx.sync();
    expect(ctx.submitCount).toBe(1);
    await read.mapAsync(GPUMapMode.READ);
    const out = [...new Float32Array(read.getMappedRange())];
    expect(out).toEqual([1, 2, 3, 4, 5].map((v) => v * expectedScale));
    read.unmap();
    expect(acquired!.uncapturedErrors).toEqual([]);
  });
});

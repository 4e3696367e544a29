import { describe, expect, it } from 'vitest';
import { testDevice } from '../../../../test/gpu';
import { GpuContext } from '../context';
import { matmulCpu, type MatmulParams } from '../../cpu/matmul';
import { encodeMatmul } from './matmul';
import { setStorageBindingLimitForTesting, setTileVariantForTesting, storageBindingLimit, supportsSubgroupTiles, type TileVariant } from './conv_common';
import { expectClose, nanBuffer, randomArray, readBack, upload } from './test_util';

describe('encodeMatmul (WebGPU) equals matmulCpu', async () => {
  const acquired = await testDevice();

  async function check(ctx: GpuContext, p: MatmulParams, seed: number) {
    const dev = ctx.device;
    const a = randomArray(p.batch * p.m * p.k, seed);
    const b = randomArray(p.batch * p.k * p.n, seed + 1);
    const out = nanBuffer(dev, p.batch * p.m * p.n);
    const ga = upload(dev, a), gb = upload(dev, b);
    encodeMatmul(ctx, ga, gb, out, p);
    const got = await readBack(ctx, out, p.batch * p.m * p.n);
    expectClose(got, matmulCpu(a, b, p), 1e-4, 1e-4);
    for (const buf of [ga, gb, out]) buf.destroy();
  }

  const shapes: MatmulParams[] = [
    { batch: 1, m: 1, k: 1, n: 1 },
    { batch: 1, m: 7, k: 5, n: 3 },
    { batch: 3, m: 17, k: 33, n: 300 },
    { batch: 2, m: 9, k: 4, n: 257, transA: true },
    { batch: 2, m: 12, k: 19, n: 65, transB: true },
    { batch: 1, m: 10, k: 11, n: 13, transA: true, transB: true },
    // n a multiple of 4: the vec4 kernel (with a k that is not a multiple of its unroll by 4).
    { batch: 2, m: 19, k: 13, n: 260 },
    { batch: 1, m: 33, k: 8, n: 4, transA: true },
  ];
  const variants: TileVariant[] = acquired && supportsSubgroupTiles(acquired.device) ? ['plain', 'subgroups'] : ['plain'];
  for (const variant of variants) {
    for (const p of shapes) {
      it.skipIf(!acquired)(`${variant}: batch ${p.batch}, ${p.m}x${p.k} · ${p.k}x${p.n}${p.transA ? ' transA' : ''}${p.transB ? ' transB' : ''}`, async () => {
        const ctx = new GpuContext(acquired!.device);
        setTileVariantForTesting(ctx, variant);
        await check(ctx, p, p.m * 31 + p.n);
        expect(acquired!.uncapturedErrors).toEqual([]);
      });
    }
  }

  // testDeviceWithLimits cannot lower maxStorageBufferBindingSize below the spec default (WebGPU
  // raises it back to 128 MiB), so the kernels' own limit is lowered for this context.
  it.skipIf(!acquired)('chunks over batch and rows when tensors exceed a 1 MiB binding limit', async () => {
    const ctx = new GpuContext(acquired!.device);
    setStorageBindingLimitForTesting(ctx, 1 << 20);
    expect(storageBindingLimit(ctx)).toBe(1 << 20);
    // a: 3 x 300 x 700 floats = 2.5 MiB; one item (840 KB) fits, so chunks over batch; then rows.
    await check(ctx, { batch: 3, m: 300, k: 700, n: 9 }, 5);
    // n = 8: the vec4 kernel with chunk bases that are (b) and are not (a) multiples of 4.
    await check(ctx, { batch: 3, m: 300, k: 701, n: 8 }, 7);
    // One item of a (1100 x 300 = 1.3 MiB) above the limit: chunks of rows with unaligned starts.
    await check(ctx, { batch: 1, m: 1101, k: 301, n: 5 }, 6);
    expect(ctx.dispatchCount).toBeGreaterThan(3);
    expect(acquired!.uncapturedErrors).toEqual([]);
  });

  it.skipIf(!acquired)('rejects buffers smaller than the shape', () => {
    const ctx = new GpuContext(acquired!.device);
    const tiny = nanBuffer(acquired!.device, 4);
    expect(() => encodeMatmul(ctx, tiny, tiny, tiny, { batch: 1, m: 2, k: 1, n: 3 })).toThrow(/out holds 4 elements, needs batch\*m\*n = 6/);
    expect(() => encodeMatmul(ctx, tiny, tiny, tiny, { batch: 1, m: 3, k: 2, n: 1 })).toThrow(/a holds 4 elements, needs batch\*m\*k/);
    tiny.destroy();
  });
});

import { describe, expect, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import { runSaxpy, runSelfTest, selfTestInputs } from './selftest';

describe('WebGPU self-test kernel (kernels/selftest_saxpy.wgsl)', async () => {
  const acquired = await testDevice();

  it.skipIf(!acquired)('computes a*x+y on a real adapter, equal to the CPU in f32', async () => {
    const result = await runSelfTest(acquired!.device, 70_001);
    expect(result.n).toBe(70_001);
    expect(result.ok).toBe(true);
    expect(result.maxAbsError).toBeLessThanOrEqual(1e-6);
    expect(acquired!.uncapturedErrors).toEqual([]);
  });

  it.skipIf(!acquired)('gives exact hand-computed values', async () => {
    const out = await runSaxpy(acquired!.device, 3, new Float32Array([1, -2, 0.5, 4]), new Float32Array([10, 10, 0, -12]));
    expect([...out]).toEqual([13, 4, 1.5, 0]);
  });

  it.skipIf(!acquired)('uses a 2D grid when n exceeds 65535 workgroups in x', async () => {
    const n = 65_535 * 64 + 130; // needs a second grid row
    const { x, y } = selfTestInputs(n);
    const out = await runSaxpy(acquired!.device, -1, x, y);
    expect(out[n - 1]).toBeCloseTo(Math.fround(-x[n - 1] + y[n - 1]), 6);
    expect(out[n - 129]).toBeCloseTo(Math.fround(-x[n - 129] + y[n - 129]), 6);
  });

  it.skipIf(!acquired)('reports the adapter with its limits', () => {
    expect(acquired!.report.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(acquired!.report.features.length).toBeGreaterThan(0);
  });

  it('rejects mismatched lengths with a clear message', async () => {
    await expect(runSaxpy({} as GPUDevice, 1, new Float32Array(2), new Float32Array(3))).rejects.toThrow(/x has 2 elements but y has 3/);
  });
});

/**
 * Test helper: one real WebGPU device from Dawn per test process, with the adapter's limits.
 * With REQUIRE_WEBGPU=1 (set by .ci/run and npm test) a missing adapter fails the test instead of
 * skipping it. The adapter's name is printed once so every test log says what it ran on.
 */
import { acquireNodeDevice } from '../src/engine/webgpu/node';
import { adapterName, type AcquireOptions, type AcquiredDevice } from '../src/engine/webgpu/device';

let shared: Promise<AcquiredDevice | null> | undefined;

export const webgpuRequired = process.env.REQUIRE_WEBGPU === '1';

async function acquire(options: AcquireOptions = {}): Promise<AcquiredDevice | null> {
  try {
    const acquired = await acquireNodeDevice(options);
    console.log(`[webgpu] adapter: ${adapterName(acquired.report)} (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'system'})`);
    return acquired;
  } catch (err) {
    if (webgpuRequired) throw err;
    console.warn(`[webgpu] no adapter, GPU tests skipped: ${(err as Error).message}`);
    return null;
  }
}

/** The shared device of this test process, or null (only when REQUIRE_WEBGPU is not set). */
export function testDevice(): Promise<AcquiredDevice | null> {
  shared ??= acquire();
  return shared;
}

/**
 * A separate device with other limits. Note: WebGPU raises a requested limit that is below the
 * spec default back to the default (Dawn reports 128 MiB for maxStorageBufferBindingSize whatever is
 * asked), so chunking tests lower the engine's own limit instead (see docs/engine.md).
 */
export function testDeviceWithLimits(limitOverrides: AcquireOptions['limitOverrides']): Promise<AcquiredDevice | null> {
  return acquire({ limitOverrides });
}

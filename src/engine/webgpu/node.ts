/**
 * Node-only: a WebGPU implementation from Dawn (npm package `webgpu`). Never imported by browser
 * code. Dawn needs a Vulkan driver; on machines without a GPU we point the Vulkan loader at a
 * software driver: Mesa lavapipe (preferred, >= 23) or the SwiftShader ICD that Chromium ships.
 */
import { existsSync } from 'node:fs';
import { acquireDevice, type AcquireOptions, type AcquiredDevice } from './device';

const SOFTWARE_ICDS = [
  { name: 'lavapipe', path: '/usr/share/vulkan/icd.d/lvp_icd.json' },
  { name: 'swiftshader', path: '/usr/lib/chromium/vk_swiftshader_icd.json' },
];

/**
 * Chooses the Vulkan driver before Dawn loads. An explicit VK_ICD_FILENAMES / VK_DRIVER_FILES wins;
 * IVADOMED_WEB_ICD=lavapipe|swiftshader|system picks one; otherwise a real GPU driver is used when
 * one is installed and lavapipe (else SwiftShader) when none is.
 */
export function selectVulkanDriver(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES) return env.VK_ICD_FILENAMES ?? env.VK_DRIVER_FILES ?? '';
  const wanted = env.IVADOMED_WEB_ICD;
  if (wanted === 'system') return 'system';
  const candidates = wanted ? SOFTWARE_ICDS.filter((c) => c.name === wanted) : SOFTWARE_ICDS;
  if (!wanted && hasHardwareIcd()) return 'system';
  const found = candidates.find((c) => existsSync(c.path));
  if (found) env.VK_ICD_FILENAMES = found.path;
  return found ? found.path : 'system';
}

function hasHardwareIcd(): boolean {
  const dirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/nvidia/share/vulkan/icd.d'];
  // Mesa installs JSON files for hardware drivers whether or not such hardware exists; only an
  // NVIDIA ICD (installed with its kernel driver) reliably means real hardware.
  return dirs.some((d) => existsSync(`${d}/nvidia_icd.json`));
}

let gpuPromise: Promise<GPU> | undefined;

/** The process-wide Dawn GPU object (Dawn allows one instance per process to be used safely). */
export function nodeGPU(): Promise<GPU> {
  gpuPromise ??= (async () => {
    selectVulkanDriver();
    const { create, globals } = await import('webgpu');
    // Expose GPUBufferUsage, GPUMapMode, ... as in a browser.
    Object.assign(globalThis, globals);
    return create([]) as GPU;
  })();
  return gpuPromise;
}

export async function acquireNodeDevice(options: AcquireOptions = {}): Promise<AcquiredDevice> {
  return acquireDevice(await nodeGPU(), options);
}

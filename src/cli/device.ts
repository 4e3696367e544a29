/**
 * The compute backend of a CLI run: WebGPU through Dawn (npm `webgpu`, over Vulkan) by default, the
 * engine's CPU backend with `--cpu`. A missing adapter is reported with the driver problem and the
 * way out, instead of Dawn's bare "no adapter".
 */
import { setBackend } from '../engine/index';
import { adapterName } from '../engine/webgpu/device';
import { acquireNodeDevice, selectVulkanDriver } from '../engine/webgpu/node';
import { CliError } from './errors';

export interface PickedBackend {
  backend: 'webgpu' | 'cpu';
  /** One line for logs and the run record, e.g. "mesa / llvmpipe (LLVM 19.1.7, 256 bits)". */
  adapter: string;
  /** The Vulkan driver (ICD file) Dawn was pointed at, or "system". */
  driver: string | null;
}

export async function pickBackend(options: { cpu?: boolean } = {}): Promise<PickedBackend> {
  if (options.cpu) {
    setBackend('cpu');
    return { backend: 'cpu', adapter: 'CPU (engine reference backend)', driver: null };
  }
  const driver = selectVulkanDriver();
  let acquired;
  try {
    acquired = await acquireNodeDevice();
  } catch (err) {
    throw new CliError(noAdapterMessage(driver, err), 1);
  }
  setBackend('webgpu', { device: acquired.device });
  return { backend: 'webgpu', adapter: adapterName(acquired.report), driver };
}

export function noAdapterMessage(driver: string, err: unknown): string {
  const detail = err instanceof Error ? err.message.split('. ')[0] : String(err);
  const where = driver === 'system'
    ? "the system's Vulkan drivers"
    : `the Vulkan driver ${driver} (VK_ICD_FILENAMES)`;
  return [
    `No WebGPU adapter: Dawn found no usable GPU through ${where} (${detail}).`,
    'Check the GPU driver: `vulkaninfo --summary` must list a device. Without a GPU, install Mesa lavapipe',
    '(apt install mesa-vulkan-drivers; scripts/install-system-deps.sh) or select it with IVADOMED_WEB_ICD=lavapipe.',
    'Or run on the CPU (much slower) with --cpu.',
  ].join('\n');
}

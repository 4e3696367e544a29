// Prints the WebGPU adapter Dawn finds in Node (with the same driver choice as the engine) and
// exits non-zero when there is none. Run: npx tsx scripts/check-webgpu.ts
import { acquireNodeDevice } from '../src/engine/webgpu/node';
import { adapterName } from '../src/engine/webgpu/device';

try {
  const { report, device } = await acquireNodeDevice();
  console.log(`WebGPU adapter: ${adapterName(report)} (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'system'})`);
  device.destroy();
  process.exit(0);
} catch (err) {
  console.error(`${(err as Error).message}\nVK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}; run scripts/install-system-deps.sh.`);
  process.exit(1);
}

/**
 * Sorts a failure message from the GPU worker into what the studio can explain: WebGPU missing,
 * the GPU device lost, out of GPU memory, a bad input file (named), an invalid configuration, or
 * anything else. The texts matched are those of src/engine/webgpu/errors.ts, the engine's
 * buffer-limit checks (src/engine/webgpu/backend.ts) and the data readers (src/data/nifti).
 */

export type FailureKind = 'webgpu-missing' | 'device-lost' | 'out-of-memory' | 'bad-file' | 'config' | 'other';

export interface Failure {
  kind: FailureKind;
  /** One line for the heading. */
  title: string;
  /** What to do about it. */
  advice: string;
  /** The file named in the message (bad-file). */
  file?: string;
  /** The message as the worker sent it. */
  message: string;
}

/** Browsers and flags that give WebGPU (shown when it is missing). */
export const WEBGPU_HELP =
  'WebGPU needs Chrome or Edge 113+ (on Linux: enable chrome://flags/#enable-unsafe-webgpu and Vulkan), ' +
  'Firefox 141+ on Windows (Firefox Nightly elsewhere, with dom.webgpu.enabled in about:config), or Safari 26+ ' +
  '(Safari 18 Technology Preview with the WebGPU feature flag), on a page served from https:// or localhost. ' +
  'Without it you can still open datasets, view images and segment with a model bundle on ONNX Runtime (wasm, CPU) in the Results tab.';

const FILE_NAME = /((?:[\w.@+-]+\/)*[\w.@+-]+\.(?:nii\.gz|nii|json|tsv|csv|hdr|img|gz|safetensors|zip))/;
const FILE_PROBLEM = /not a NIfTI|truncated|corrupted|NIfTI datatype|bad NIfTI|magic|vox_offset|is not supported|cannot be parsed|not valid JSON|Unexpected token|header is corrupted/i;

export function classifyFailure(message: string): Failure {
  const m = message ?? '';
  if (/WebGPU is not available|navigator\.gpu is undefined|requestAdapter\(\) returned no adapter/i.test(m)) {
    return { kind: 'webgpu-missing', title: 'WebGPU is not available in this browser', advice: WEBGPU_HELP, message: m };
  }
  if (/device was lost|device lost|GPUDeviceLostError/i.test(m)) {
    return {
      kind: 'device-lost', title: 'The GPU device was lost during training',
      advice: 'The browser or the driver reset the GPU (a driver crash, a GPU reset, too long a command, or the tab was in the background too long). Every finished epoch is saved: resume from the last checkpoint to continue on a new device.',
      message: m,
    };
  }
  if (/out of memory|exceeds (?:this GPU's )?maxBufferSize|exceeds maxStorageBufferBindingSize|GPUOutOfMemoryError/i.test(m)) {
    return {
      kind: 'out-of-memory', title: 'The GPU ran out of memory',
      advice: 'Use a smaller training_parameters.batch_size, a smaller patch (loader_parameters length_2D / length_3D, or a smaller crop), or fewer filters (n_filters / base_n_filter), then start again.',
      message: m,
    };
  }
  if (/configuration is not valid|^config:/i.test(m)) {
    return { kind: 'config', title: 'The configuration is not valid', advice: 'Fix the keys listed (Configuration tab), then start again.', message: m };
  }
  const file = FILE_NAME.exec(m)?.[1];
  if (file && FILE_PROBLEM.test(m)) {
    return {
      kind: 'bad-file', title: `A file cannot be read: ${file}`, file,
      advice: `Replace or remove ${file} (copy it again if it is incomplete, convert it if its format is not supported), then start again.`,
      message: m,
    };
  }
  return { kind: 'other', title: 'Training failed', advice: 'The message above says what went wrong.', message: m };
}

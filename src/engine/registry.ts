/**
 * The backend registry: the default backend for new tensors, and the WebGPU backend bound to a
 * device. Ops run on the backend of their input tensors, not on the default.
 */
import type { Backend, BackendName } from './backend';
import { CpuBackend } from './cpu/backend';
import { WebGpuBackend, type WebGpuBackendOptions } from './webgpu/backend';

const cpu = new CpuBackend();
let webgpu: WebGpuBackend | null = null;
let current: Backend = cpu;

export interface SetBackendOptions {
  /** The GPUDevice to run on (required the first time 'webgpu' is chosen). */
  device?: GPUDevice;
  /** Backend options (e.g. a lower binding limit to test chunked dispatch). */
  webgpu?: WebGpuBackendOptions;
}

/** Chooses the backend new tensors are created on. */
export function setBackend(name: BackendName, options: SetBackendOptions = {}): void {
  if (name === 'cpu') {
    current = cpu;
    return;
  }
  if (name !== 'webgpu') throw new Error(`setBackend: unknown backend '${name as string}'; use 'cpu' or 'webgpu'`);
  if (options.device && (webgpu?.device !== options.device || options.webgpu)) {
    webgpu?.dispose();
    webgpu = new WebGpuBackend(options.device, options.webgpu);
  }
  if (!webgpu) {
    throw new Error("setBackend('webgpu') needs a device the first time: setBackend('webgpu', { device }) with a GPUDevice from acquireDevice()");
  }
  current = webgpu;
}

export function getBackend(): BackendName {
  return current.name;
}

/** The Backend object new tensors go to (or a named one). */
export function backendObject(name?: BackendName): Backend {
  if (!name) return current;
  if (name === 'cpu') return cpu;
  if (!webgpu) throw new Error("the WebGPU backend is not initialised: call setBackend('webgpu', { device }) first");
  return webgpu;
}

/** The WebGPU backend, if one was set up (for flush/sync and tests). */
export function webgpuBackend(): WebGpuBackend | null {
  return webgpu;
}

/** Submits the WebGPU work recorded so far (no-op on CPU). Readback does this itself. */
export function flush(): void {
  webgpu?.flush();
}

/** Waits for all submitted GPU work; throws any GPU error (validation, out of memory, device lost). */
export async function sync(): Promise<void> {
  await webgpu?.sync();
}

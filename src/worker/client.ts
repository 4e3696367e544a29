/** The page's handle on the GPU worker (one per page). */
import * as Comlink from 'comlink';
import type { GpuWorkerApi } from './gpu.worker';

let remote: Comlink.Remote<GpuWorkerApi> | undefined;

export function gpuWorker(): Comlink.Remote<GpuWorkerApi> {
  remote ??= Comlink.wrap<GpuWorkerApi>(new Worker(new URL('./gpu.worker.ts', import.meta.url), { type: 'module', name: 'gpu-worker' }));
  return remote;
}

/** The page's handle on the GPU worker (one per page). */
import * as Comlink from 'comlink';
import type { GpuWorkerApi } from './gpu.worker';
import type { FileSource } from '../data/sources';
import type { RemoteFileSource, TrainData, TrainEventSink, TrainOutput, TrainRunOptions, TrainSummary } from './training';

export type { GpuMemoryInfo, OutputInfo, TrainData, TrainOutput, TrainRunOptions, TrainSummary } from './training';

let remote: Comlink.Remote<GpuWorkerApi> | undefined;

export function gpuWorker(): Comlink.Remote<GpuWorkerApi> {
  remote ??= Comlink.wrap<GpuWorkerApi>(new Worker(new URL('./gpu.worker.ts', import.meta.url), { type: 'module', name: 'gpu-worker' }));
  return remote;
}

/**
 * Starts a training in the worker (one at a time). The event callback is wrapped in a Comlink proxy
 * here so callers pass a plain function.
 */
export async function startTraining(
  configJson: string,
  data: TrainData,
  output: TrainOutput,
  onEvent: TrainEventSink,
  options: TrainRunOptions = {},
): Promise<TrainSummary> {
  return gpuWorker().train(configJson, data, output, Comlink.proxy(onEvent), options);
}

/** Lets the worker read a page-side FileSource (the dataset open in the Dataset panel) on demand. */
export function remoteSource(source: FileSource): TrainData {
  const remote: RemoteFileSource = {
    list: () => source.list(),
    read: (p) => source.read(p),
    readRange: (p, s, e) => source.readRange(p, s, e),
  };
  return { kind: 'remote', name: source.name, source: Comlink.proxy(remote) };
}

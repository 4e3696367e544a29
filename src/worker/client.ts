/** The page's handle on the GPU worker (one per page). */
import * as Comlink from 'comlink';
import type { GpuWorkerApi } from './gpu.worker';
import type { FileSource } from '../data/sources';
import type { InferEventSink, InferRequest, InferResult } from './inference';
import type { RemoteFileSource, TrainData, TrainEventSink, TrainOutput, TrainRunOptions, TrainSummary } from './training';

export type { GpuMemoryInfo, OutputInfo, TrainData, TrainOutput, TrainRunOptions, TrainSummary } from './training';
export type { DataFile, EvaluationTable, InferBackend, InferModel, InferRequest, InferResult, ResultFile, SubjectResult } from './inference';

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

/**
 * Lets the worker read a page-side FileSource (the dataset open in the Dataset panel) on demand: the
 * source is exposed on a MessagePort that is transferred with the `data` argument of train().
 */
export function remoteSource(source: FileSource): TrainData {
  const remote: RemoteFileSource = {
    list: () => source.list(),
    read: (p) => source.read(p),
    readRange: (p, s, e) => source.readRange(p, s, e),
  };
  const { port1, port2 } = new MessageChannel();
  Comlink.expose(remote, port1);
  return Comlink.transfer({ kind: 'remote', name: source.name, port: port2 }, [port2]);
}

/** Runs --test / --segment in the worker (src/worker/inference.ts); `onEvent` is wrapped in a Comlink proxy here. */
export async function runInference(request: InferRequest, onEvent: InferEventSink): Promise<InferResult> {
  // Comlink transfers only what is registered for a top-level argument: the dataset's port sits inside the request.
  const req = request.data.kind === 'remote' ? Comlink.transfer(request, [request.data.port]) : request;
  return gpuWorker().infer(req, Comlink.proxy(onEvent));
}

/** The model bundle of a training run's OPFS folder, made in the worker (with model.onnx unless onnx is false). */
export async function exportRunBundle(folder: string, options: { onnx?: boolean } = {}): Promise<{ bytes: Uint8Array; fileName: string; onnx: boolean; note?: string }> {
  return gpuWorker().exportBundle(folder, options);
}

/** A zip of a training run's OPFS folder ("runs/<model>-<date-time>"), made in the worker. */
export async function zipRun(folder: string): Promise<{ bytes: Uint8Array; fileName: string; files: number }> {
  return gpuWorker().zipRun(folder);
}

/**
 * The Web Worker that owns the GPUDevice. The page never touches WebGPU directly: it calls this
 * worker through comlink, so long GPU work never blocks the UI thread.
 */
import * as Comlink from 'comlink';
import { acquireDevice, type AcquiredDevice, type AdapterReport } from '../engine/webgpu/device';
import { runSaxpy, runSelfTest, type SelfTestResult } from '../engine/webgpu/selftest';
import { createTrainingRunner, type TrainData, type TrainEventSink, type TrainOutput, type TrainRunOptions, type TrainSummary } from './training';
import { createInferenceRunner, type InferEventSink, type InferRequest, type InferResult } from './inference';
import { zipRunFolder } from './runs';

let acquired: Promise<AcquiredDevice> | undefined;

function device(): Promise<AcquiredDevice> {
  acquired ??= acquireDevice(self.navigator.gpu);
  // A failed acquisition may succeed later (e.g. after the user enables a flag): do not cache it.
  const current = acquired;
  current.then(
    // A lost device is gone for good: the next call acquires a new one.
    (a) => void a.lost.then(() => { if (acquired === current) acquired = undefined; }),
    () => { if (acquired === current) acquired = undefined; },
  );
  return current;
}

const training = createTrainingRunner(device);
const inference = createInferenceRunner(device, () => training.isTraining());

export interface GpuDiagnosis {
  available: boolean;
  report?: AdapterReport;
  selfTest?: SelfTestResult;
  error?: string;
}

const api = {
  async diagnose(): Promise<GpuDiagnosis> {
    try {
      const { device: dev, report } = await device();
      const selfTest = await runSelfTest(dev);
      return { available: true, report, selfTest };
    } catch (err) {
      return { available: false, error: (err as Error).message };
    }
  },
  /**
   * Destroys this worker's GPUDevice: a real device loss (reason "destroyed"), the same path a driver
   * reset takes, so the recovery (failure shown, resume from the last checkpoint on a new device) can
   * be exercised on demand: browsers offer no other way to lose a device. Resolves false when no
   * device was acquired yet.
   */
  async destroyDevice(): Promise<boolean> {
    if (!acquired) return false;
    try {
      (await acquired).device.destroy();
      return true;
    } catch {
      return false;
    }
  },
  /** a*x + y on the GPU, for the console and the e2e tests. */
  async saxpy(a: number, x: number[], y: number[]): Promise<number[]> {
    const { device: dev } = await device();
    return [...(await runSaxpy(dev, a, Float32Array.from(x), Float32Array.from(y)))];
  },
  /**
   * Trains a model (src/worker/training.ts). `onEvent` must be a Comlink.proxy; one training at a
   * time. Resolves with the run's summary; rejects with a message that says what to do.
   */
  train(configJson: string, data: TrainData, output: TrainOutput, onEvent: TrainEventSink, options: TrainRunOptions = {}): Promise<TrainSummary> {
    return training.train(configJson, data, output, onEvent, options);
  },
  pause(): void { training.pause(); },
  resume(): void { training.resume(); },
  stop(): void { training.stop(); },
  isTraining(): boolean { return training.isTraining(); },
  /**
   * --test / --segment with a training run's model or a bundle (src/worker/inference.ts). `onEvent`
   * must be a Comlink.proxy. Resolves with the files, the evaluation table and the subjects.
   */
  infer(request: InferRequest, onEvent: InferEventSink): Promise<InferResult> {
    return inference.infer(request, onEvent);
  },
  /** The model bundle (.ivadomed-web.zip, with model.onnx) of a training run's OPFS folder. */
  exportBundle(folder: string, options: { onnx?: boolean } = {}): Promise<{ bytes: Uint8Array; fileName: string; onnx: boolean; note?: string }> {
    return inference.exportBundle(folder, options);
  },
  /** A zip of a training run's OPFS folder (src/worker/runs.ts), made here to keep the page responsive. */
  async zipRun(folder: string): Promise<{ bytes: Uint8Array; fileName: string; files: number }> {
    const zip = await zipRunFolder(folder);
    return Comlink.transfer(zip, [zip.bytes.buffer]);
  },
};

export type GpuWorkerApi = typeof api;
Comlink.expose(api);

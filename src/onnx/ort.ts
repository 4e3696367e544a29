/**
 * Running an ONNX model with onnxruntime-web: the wasm backend (Node and every browser) or WebGPU
 * (browsers with navigator.gpu). onnxruntime-web is imported lazily, so code that only exports
 * never loads it. In Node the wasm backend runs single-threaded (no worker threads to clean up).
 */
import type * as Ort from 'onnxruntime-web';

export type OrtBackend = 'wasm' | 'webgpu';

/** A float32 tensor crossing the ORT boundary. */
export interface OrtTensorData {
  data: Float32Array;
  dims: number[];
}

export interface OrtSessionOptions {
  /** Default 'wasm'. */
  backend?: OrtBackend;
  /** wasm threads; default 1 in Node, ORT's own choice in browsers. Only the first session's value counts. */
  numThreads?: number;
  /** A WebGPU device for ORT to share (only before the first WebGPU session). */
  device?: GPUDevice;
}

export interface OnnxSession {
  readonly backend: OrtBackend;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(inputs: Record<string, OrtTensorData>): Promise<Record<string, OrtTensorData>>;
  release(): Promise<void>;
}

let ortModule: Promise<typeof Ort> | null = null;
const isNode = typeof process !== 'undefined' && !!process.versions?.node;

async function loadOrt(): Promise<typeof Ort> {
  ortModule ??= import('onnxruntime-web');
  return ortModule;
}

/** True when this page can ask ORT for WebGPU (navigator.gpu exists). */
export function webgpuAvailable(): boolean {
  return typeof navigator !== 'undefined' && !!(navigator as Navigator & { gpu?: unknown }).gpu;
}

function checkFinite(name: string, t: OrtTensorData): void {
  const expected = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== expected) throw new Error(`ONNX input '${name}': ${t.data.length} values for dims [${t.dims.join(', ')}] (${expected} expected)`);
}

export async function createOrtSession(bytes: Uint8Array, options: OrtSessionOptions = {}): Promise<OnnxSession> {
  const backend = options.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'webgpu') throw new Error(`ONNX runtime: backend must be 'wasm' or 'webgpu', got '${String(backend)}'`);
  if (backend === 'webgpu' && !webgpuAvailable()) {
    throw new Error("ONNX runtime: backend 'webgpu' needs navigator.gpu (a browser with WebGPU); use backend 'wasm'");
  }
  const ort = await loadOrt();
  if (options.numThreads !== undefined) ort.env.wasm.numThreads = options.numThreads;
  else if (isNode) ort.env.wasm.numThreads = 1;
  if (backend === 'webgpu' && options.device) ort.env.webgpu.device = options.device;
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: [backend], graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new Error(`ONNX runtime (${backend}) could not load the model: ${e instanceof Error ? e.message : String(e)}`);
  }
  return {
    backend,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(inputs) {
      const missing = session.inputNames.filter((n) => !(n in inputs));
      if (missing.length) throw new Error(`ONNX runtime: missing input(s) ${missing.join(', ')}; the model takes ${session.inputNames.join(', ')}`);
      const feeds: Record<string, Ort.Tensor> = {};
      for (const [name, t] of Object.entries(inputs)) {
        if (!session.inputNames.includes(name)) throw new Error(`ONNX runtime: unknown input '${name}'; the model takes ${session.inputNames.join(', ')}`);
        checkFinite(name, t);
        feeds[name] = new ort.Tensor('float32', t.data, t.dims);
      }
      const results = await session.run(feeds);
      const out: Record<string, OrtTensorData> = {};
      for (const name of session.outputNames) {
        const r = results[name];
        const data = (r.location === 'cpu' ? r.data : await r.getData(true)) as Float32Array;
        out[name] = { data, dims: [...r.dims] };
        r.dispose();
      }
      return out;
    },
    release: () => session.release(),
  };
}

/** One-shot: load, run once, release. */
export async function runOnnx(bytes: Uint8Array, inputs: Record<string, OrtTensorData>, options: OrtSessionOptions = {}): Promise<Record<string, OrtTensorData>> {
  const session = await createOrtSession(bytes, options);
  try {
    return await session.run(inputs);
  } finally {
    await session.release();
  }
}

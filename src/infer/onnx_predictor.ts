/**
 * `--onnx`: the forward passes of --segment / --test through onnxruntime-web (wasm backend in Node)
 * instead of the engine (issue 8). Only the forward changes: the batches, their assembly on the
 * image grid, postprocessing and outputs are those of src/infer (BatchPredictor's protected forward
 * is overridden). The ONNX session is created on the first batch from `onnxBytes()` (the model
 * folder's .onnx, the bundle's model.onnx, or an export on the fly) and released by `release()`.
 */
import { BatchPredictor, type BatchOptions } from './segment';
import type { ItemCondition } from './conditioning';
import type { BuiltModel } from '../nn/models/index';
import { createOrtSession, type OnnxSession, type OrtBackend, type OrtTensorData } from '../onnx/index';

export class OnnxBatchPredictor extends BatchPredictor {
  private session: Promise<OnnxSession> | null = null;

  constructor(
    model: BuiltModel,
    options: BatchOptions,
    private readonly onnxBytes: () => Promise<Uint8Array>,
    private readonly backend: OrtBackend = 'wasm',
  ) {
    super(model, options);
    // No engine memory to measure: batches of maxBatch items from the first one.
    this.bytesPerItem = 0;
  }

  private open(): Promise<OnnxSession> {
    this.session ??= this.onnxBytes().then((bytes) => createOrtSession(bytes, { backend: this.backend }));
    return this.session;
  }

  /** The graph's extra inputs (FiLM metadata vector, HeMIS availability) from the items' conditions. */
  private extraInputs(session: OnnxSession, n: number, conditions: readonly ItemCondition[] | undefined): Record<string, OrtTensorData> {
    const extra: Record<string, OrtTensorData> = {};
    if (session.inputNames.includes('metadata')) {
      const first = conditions?.[0]?.context;
      if (!first || conditions!.some((c) => c.context?.length !== first.length)) {
        throw new Error(`${this.model.name} (ONNX) needs every item's FiLM metadata vector (of one length): the conditioning was not prepared.`);
      }
      const data = new Float32Array(n * first.length);
      conditions!.forEach((c, k) => data.set(c.context!, k * first.length));
      extra.metadata = { data, dims: [n, first.length] };
    }
    if (session.inputNames.includes('availability')) {
      // HeMIS: one slot per model contrast; an item without `present` has every contrast (as the engine).
      const slots = conditions?.[0]?.present?.length ?? (this.model.module as unknown as { contrasts?: unknown[] }).contrasts?.length ?? 0;
      if (!slots) throw new Error(`${this.model.name} (ONNX) takes an 'availability' input but its contrasts are unknown.`);
      const data = new Float32Array(n * slots).fill(1);
      conditions?.forEach((c, i) => c.present?.forEach((p, s) => { data[i * slots + s] = p ? 1 : 0; }));
      extra.availability = { data, dims: [n, slots] };
    }
    return extra;
  }

  protected override async forward(batch: Float32Array, shape: number[], conditions?: readonly ItemCondition[]): Promise<Float32Array[]> {
    const session = await this.open();
    const n = shape[0]!;
    const outputs = await session.run({ input: { data: batch, dims: shape }, ...this.extraInputs(session, n, conditions) });
    const y = outputs[session.outputNames[0]!]!;
    const spatial = shape.slice(2);
    if (y.dims.length !== shape.length || y.dims[0] !== n || spatial.some((d, k) => d !== y.dims[k + 2])) {
      throw new Error(`${this.model.name} (ONNX) returned [${y.dims.join(', ')}] for an input [${shape.join(', ')}]: segmentation models must keep the spatial size.`);
    }
    this.forwards++;
    const per = y.data.length / n;
    return Array.from({ length: n }, (_, k) => y.data.subarray(k * per, (k + 1) * per));
  }

  /** Releases the ORT session (when one was opened). */
  async release(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (session) await (await session).release();
  }
}

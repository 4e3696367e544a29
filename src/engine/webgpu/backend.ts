/**
 * The WebGPU backend: storages are pooled GPUBuffers, ops record dispatches into one GpuContext
 * command encoder, submitted on readback, flush() or sync(). Kernels live in kernels/*.wgsl.
 *
 * Large tensors: element-wise kernels, reductions, random fills and optimizer updates dispatch in
 * chunks over binding ranges, so tensors above maxStorageBufferBindingSize (but within
 * maxBufferSize) work. Other kernels need their inputs within the binding limit and say so.
 *
 * Errors: a permanently open error scope (popped and re-opened at every submit) plus the
 * uncapturederror event collect GPU errors; the next sync() or read() throws them, as it throws a
 * lost device. A failed dispatch never reads as zeros.
 */
import type {
  AdamParams, Backend, BinaryOp, GatherDim, PlaceDim, PoolGeometry, ReduceOp, Resize1dParams, SgdParams, Storage, UnaryOp,
} from '../backend';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from '../backend';
import type { DType, FloatArray } from '../dtype';
import type { ConvGeometry } from '../cpu/conv';
import type { MatmulParams } from '../cpu/matmul';
import { memoryStats } from '../memory';
import { stridesOf } from '../shape';
import { GpuContext, grid, type BufferBinding } from './context';
import { toEngineError } from './device';
import { GPUDeviceLostError } from './errors';
import { ParamWriter } from './params';
import { encodeConvForwardOp, encodeConvGradInputOp, encodeConvGradWeightOp, encodeMatmulOp } from './linalg';
import elementwiseWgsl from '../../../kernels/elementwise.wgsl?raw';
import shapeWgsl from '../../../kernels/shape.wgsl?raw';
import reduceWgsl from '../../../kernels/reduce.wgsl?raw';
import poolWgsl from '../../../kernels/pool.wgsl?raw';
import resizeWgsl from '../../../kernels/resize.wgsl?raw';
import rngWgsl from '../../../kernels/rng.wgsl?raw';
import optimWgsl from '../../../kernels/optim.wgsl?raw';

const WG = 256;
const BUFFER_USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export class GpuStorage implements Storage {
  readonly backend = 'webgpu' as const;
  constructor(
    readonly buffer: GPUBuffer,
    readonly bytes: number,
    readonly capacity: number,
  ) {}
  get elements(): number {
    return this.bytes / 4;
  }
}

function gpu(s: Storage): GpuStorage {
  return s as GpuStorage;
}

/** Buffer sizes come in classes 2^k * {1, 1.25, 1.5, 1.75} (<= 25% waste), at least 256 bytes. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.floor(Math.log2(bytes));
  for (const f of [1, 1.25, 1.5, 1.75, 2]) {
    const c = Math.ceil((p * f) / 256) * 256;
    if (c >= bytes) return c;
  }
  return 2 * p;
}

export interface WebGpuBackendOptions {
  /**
   * Treat bindings above this many bytes as too large (default: the device's
   * maxStorageBufferBindingSize). Devices cannot be created with a limit below the WebGPU default
   * (128 MiB), so tests lower it here to exercise the chunked paths on small tensors.
   */
  maxStorageBindingBytes?: number;
}

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly ctx: GpuContext;
  private readonly bufferPool = new Map<number, GPUBuffer[]>();
  private pendingScopes: Array<Promise<GPUError | null>> = [];
  private readonly errors: Error[] = [];
  private lostError: Error | null = null;
  private readonly onError = (event: Event) => {
    this.errors.push(toEngineError((event as GPUUncapturedErrorEvent).error));
  };

  /** The binding size chunked kernels respect: the device's limit, or a lower one for tests. */
  private readonly limit: number;

  constructor(
    readonly device: GPUDevice,
    options: WebGpuBackendOptions = {},
  ) {
    this.ctx = new GpuContext(device);
    const deviceLimit = device.limits.maxStorageBufferBindingSize;
    this.limit = Math.min(deviceLimit, options.maxStorageBindingBytes ?? deviceLimit);
    device.addEventListener('uncapturederror', this.onError);
    void device.lost.then((info) => {
      this.lostError = new GPUDeviceLostError(info.reason, info.message);
    });
    this.openScopes();
  }

  private openScopes(): void {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
  }

  /** Elements per chunk: the binding limit, rounded down to the offset alignment. */
  private get chunkElems(): number {
    const align = this.device.limits.minStorageBufferOffsetAlignment;
    return Math.floor(this.limit / align) * (align / 4);
  }

  private get alignElems(): number {
    return this.device.limits.minStorageBufferOffsetAlignment / 4;
  }

  supports(dtype: DType): boolean {
    return dtype === 'float32';
  }

  // ---------- memory ----------

  alloc(size: number, dtype: DType): Storage {
    if (dtype !== 'float32') throw new Error(`the webgpu backend stores float32 only, not ${dtype}`);
    const bytes = size * 4;
    const max = this.device.limits.maxBufferSize;
    if (bytes > max) {
      throw new Error(`a tensor of ${size} elements (${bytes} bytes) exceeds this GPU's maxBufferSize (${max} bytes); use smaller patches or batches`);
    }
    const capacity = Math.min(sizeClass(Math.max(bytes, 4)), Math.max(256, Math.ceil(max / 4) * 4));
    let buffer = this.bufferPool.get(capacity)?.pop();
    if (buffer) memoryStats.pooled.webgpu -= capacity;
    else buffer = this.device.createBuffer({ label: `tensor-${capacity}`, size: capacity, usage: BUFFER_USAGE() });
    memoryStats.allocated('webgpu', bytes);
    return new GpuStorage(buffer, bytes, capacity);
  }

  upload(data: FloatArray, dtype: DType): Storage {
    const s = gpu(this.alloc(data.length, dtype));
    // A pooled buffer may still be read by recorded, unsubmitted work: submit that first, since
    // writeBuffer lands before the next submit.
    this.flush();
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    if (f32.byteLength) this.device.queue.writeBuffer(s.buffer, 0, f32.buffer, f32.byteOffset, f32.byteLength);
    return s;
  }

  free(s: Storage): void {
    const g = gpu(s);
    memoryStats.freed('webgpu', g.bytes);
    let list = this.bufferPool.get(g.capacity);
    if (!list) this.bufferPool.set(g.capacity, (list = []));
    list.push(g.buffer);
    memoryStats.pooled.webgpu += g.capacity;
  }

  /** Destroys pooled buffers (frees GPU memory held for reuse). */
  trimPool(): void {
    this.flush();
    for (const [capacity, list] of this.bufferPool) {
      for (const b of list) b.destroy();
      memoryStats.pooled.webgpu -= capacity * list.length;
    }
    this.bufferPool.clear();
  }

  dispose(): void {
    this.trimPool();
    this.device.removeEventListener('uncapturederror', this.onError);
    this.ctx.destroy();
  }

  flush(): void {
    const before = this.ctx.submitCount;
    this.ctx.flush();
    if (this.ctx.submitCount !== before) {
      this.pendingScopes.push(this.device.popErrorScope(), this.device.popErrorScope());
      this.openScopes();
    }
  }

  /** Throws the first GPU error raised since the last check (validation, OOM, device loss). */
  private async checkErrors(): Promise<void> {
    const scopes = this.pendingScopes;
    this.pendingScopes = [];
    for (const e of await Promise.all(scopes)) if (e) this.errors.push(toEngineError(e));
    if (this.lostError) throw this.lostError;
    if (this.errors.length) {
      const first = this.errors[0];
      this.errors.length = 0;
      throw first;
    }
  }

  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.checkErrors();
  }

  async read(s: Storage, size: number, _dtype: DType): Promise<FloatArray> {
    if (this.lostError) throw this.lostError;
    const bytes = Math.max(4, size * 4);
    const staging = this.device.createBuffer({ label: 'readback', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      this.ctx.endPass();
      if (size > 0) this.ctx.commandEncoder().copyBufferToBuffer(gpu(s).buffer, 0, staging, 0, size * 4);
      this.flush();
      try {
        await Promise.race([staging.mapAsync(GPUMapMode.READ), this.device.lost.then((i) => Promise.reject(new GPUDeviceLostError(i.reason, i.message)))]);
      } catch (err) {
        // A failed map on a lost device: report the loss (it may be signalled a moment later).
        const lost = await Promise.race([this.device.lost.then((i) => new GPUDeviceLostError(i.reason, i.message)), new Promise<null>((r) => setTimeout(() => r(null), 100))]);
        throw lost ?? err;
      }
      await this.checkErrors();
      const out = new Float32Array(staging.getMappedRange().slice(0, size * 4));
      staging.unmap();
      return out;
    } finally {
      staging.destroy();
    }
  }

  // ---------- dispatch helpers ----------

  private launch(code: string, label: string, entryPoint: string, constants: Record<string, number>, threads: number,
    params: (rowStride: number) => ArrayBuffer, buffers: BufferBinding[]): void {
    if (threads <= 0) return;
    const pipeline = this.ctx.pipeline({ label: `${label}:${entryPoint}`, code, entryPoint, constants: { WG, ...constants } });
    const { groups, groupsX } = grid(Math.ceil(threads / WG), this.device.limits.maxComputeWorkgroupsPerDimension);
    this.ctx.dispatch(pipeline, params(groupsX * WG), buffers, groups);
  }

  /** Element ranges [start, count) of at most the binding limit, aligned for binding offsets. */
  private chunks(total: number): Array<[number, number]> {
    const step = this.chunkElems;
    const out: Array<[number, number]> = [];
    for (let s = 0; s < total; s += step) out.push([s, Math.min(step, total - s)]);
    return out;
  }

  private range(s: Storage, start: number, count: number): BufferBinding {
    return { buffer: gpu(s).buffer, offset: start * 4, size: Math.max(1, count) * 4 };
  }

  /** The whole tensor as one binding; throws when it exceeds the binding limit. */
  private whole(s: Storage, what: string): BufferBinding {
    const g = gpu(s);
    if (g.bytes > this.limit) {
      throw new Error(`${what}: an operand of ${g.bytes} bytes exceeds maxStorageBufferBindingSize (${this.limit}); this op has no chunked path for it. Use smaller patches or batches.`);
    }
    return { buffer: g.buffer, offset: 0, size: Math.max(4, g.bytes) };
  }

  // ---------- elementwise ----------

  fill(out: Storage, size: number, value: number): void {
    for (const [s, c] of this.chunks(size)) {
      this.launch(elementwiseWgsl, 'elementwise', 'fill', {}, c, (rs) => new ParamWriter(16).u32(c).u32(rs).f32(value).f32(0).buffer(), [this.range(out, s, c)]);
    }
  }

  copy(src: Storage, dst: Storage, size: number): void {
    this.unary('copy', src, dst, size, 0, 0);
  }

  unary(op: UnaryOp, x: Storage, out: Storage, size: number, a: number, b: number): void {
    const code = UNARY_OPS.indexOf(op);
    for (const [s, c] of this.chunks(size)) {
      this.launch(elementwiseWgsl, 'elementwise', 'unary', { OP: code }, c, (rs) => new ParamWriter(16).u32(c).u32(rs).f32(a).f32(b).buffer(), [
        this.range(x, s, c),
        this.range(out, s, c),
      ]);
    }
  }

  /** Shared by binary and where: operands shaped like the output bind by range, others whole. */
  private broadcastOp(entry: string, opCode: number, operands: Array<[Storage, number[]]>, out: Storage, outShape: number[]): void {
    const n = outShape.reduce((p, d) => p * d, 1);
    const contiguous = stridesOf(outShape);
    const aligned = operands.map(([st, strides]) => gpu(st).elements === n && strides.every((v, i) => v === contiguous[i] || outShape[i] === 1));
    const flags = aligned.reduce((f, al, i) => f | (al ? 1 << i : 0), 0);
    const wholes = operands.map(([st], i) => (aligned[i] ? null : this.whole(st, entry)));
    const strideSets = operands.map(([, strides]) => strides);
    while (strideSets.length < 3) strideSets.push([]);
    for (const [s, c] of this.chunks(n)) {
      this.launch(elementwiseWgsl, 'elementwise', entry, { OP: opCode }, c,
        (rs) => {
          const w = new ParamWriter(32 + 4 * 32).u32(c).u32(rs).u32(outShape.length).u32(flags).u32(s).u32(0).u32(0).u32(0).dims(outShape);
          for (const st of strideSets) w.dims(st);
          return w.buffer();
        },
        [...operands.map(([st], i) => wholes[i] ?? this.range(st, s, c)), this.range(out, s, c)]);
    }
  }

  binary(op: BinaryOp, a: Storage, aStrides: number[], b: Storage, bStrides: number[], out: Storage, outShape: number[]): void {
    this.broadcastOp('binary', BINARY_OPS.indexOf(op), [[a, aStrides], [b, bStrides]], out, outShape);
  }

  where(c: Storage, cStrides: number[], a: Storage, aStrides: number[], b: Storage, bStrides: number[], out: Storage, outShape: number[]): void {
    this.broadcastOp('where_select', 0, [[c, cStrides], [a, aStrides], [b, bStrides]], out, outShape);
  }

  // ---------- reductions ----------

  reduce(op: ReduceOp, x: Storage, out: Storage, rows: number, len: number): void {
    if (rows === 0) return;
    if (len === 0) {
      this.fill(out, rows, 0);
      return;
    }
    const code = REDUCE_OPS.indexOf(op);
    const maxElems = this.chunkElems;
    const align = this.alignElems;
    if (len + align > maxElems) {
      // A row longer than one binding: reduce segments into partials, then the partials.
      if (op === 'argmax' || op === 'argmin') throw new Error(`${op}: a row of ${len} elements exceeds maxStorageBufferBindingSize; reduce a smaller tensor`);
      const segLen = maxElems - align;
      const segs = Math.ceil(len / segLen);
      const partial = this.alloc(rows * segs, 'float32');
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < segs; k++) {
          const start = r * len + k * segLen;
          this.reduceDispatch(code, x, start, 1, Math.min(segLen, len - k * segLen), partial, r * segs + k);
        }
      }
      this.reduce(op, partial, out, rows, segs);
      this.free(partial);
      return;
    }
    const rowsPerChunk = Math.max(1, Math.floor((maxElems - align) / len));
    for (let r0 = 0; r0 < rows; r0 += rowsPerChunk) {
      const rc = Math.min(rowsPerChunk, rows - r0);
      this.reduceDispatch(code, x, r0 * len, rc, len, out, r0);
    }
  }

  /** Reduces rc rows of `len` starting at element xStart of x into out[yStart ...]. */
  private reduceDispatch(code: number, x: Storage, xStart: number, rc: number, len: number, out: Storage, yStart: number): void {
    const align = this.alignElems;
    const xa = Math.floor(xStart / align) * align;
    const ya = Math.floor(yStart / align) * align;
    const xBind = this.range(x, xa, xStart - xa + rc * len);
    const yBind = this.range(out, ya, yStart - ya + rc);
    const small = len <= 32;
    const pipeline = this.ctx.pipeline({ label: `reduce:${small ? 'small' : 'rows'}`, code: reduceWgsl, entryPoint: small ? 'reduce_small' : 'reduce_rows', constants: { WG, OP: code } });
    const maxDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    const { groups, groupsX } = grid(small ? Math.ceil(rc / WG) : rc, maxDim);
    const params = new ParamWriter(32).u32(rc).u32(len).u32(groupsX).u32(xStart - xa).u32(yStart - ya).u32(groupsX * WG).u32(0).u32(0).buffer();
    this.ctx.dispatch(pipeline, params, [xBind, yBind], groups);
  }

  // ---------- shape ----------

  gather(x: Storage, out: Storage, outShape: number[], dims: GatherDim[], fill: number): void {
    const n = outShape.reduce((p, d) => p * d, 1);
    const xb = this.whole(x, 'gather (permute/slice/pad/flip/broadcast)');
    for (const [s, c] of this.chunks(n)) {
      this.launch(shapeWgsl, 'shape', 'gather', {}, c, (rs) => new ParamWriter(32 + 5 * 32)
        .u32(c).u32(rs).u32(outShape.length).u32(s).f32(fill).u32(0).u32(0).u32(0)
        .dims(outShape).dims(dims.map((d) => d.start), true).dims(dims.map((d) => d.step), true)
        .dims(dims.map((d) => d.bound), true).dims(dims.map((d) => d.inStride)).buffer(),
      [xb, this.range(out, s, c)]);
    }
  }

  place(src: Storage, srcShape: number[], dst: Storage, dims: PlaceDim[]): void {
    const n = srcShape.reduce((p, d) => p * d, 1);
    const db = this.whole(dst, 'place (concat/slice backward)');
    for (const [s, c] of this.chunks(n)) {
      this.launch(shapeWgsl, 'shape', 'place', {}, c, (rs) => new ParamWriter(32 + 5 * 32)
        .u32(c).u32(rs).u32(srcShape.length).u32(s).f32(0).u32(0).u32(0).u32(0)
        .dims(srcShape).dims(dims.map((d) => d.start), true).dims(dims.map((d) => d.step), true)
        .dims([], true).dims(dims.map((d) => d.dstStride)).buffer(),
      [this.range(src, s, c), db]);
    }
  }

  // ---------- matmul / conv (kernels in ./kernels) ----------

  private full(s: Storage): BufferBinding {
    const g = gpu(s);
    return { buffer: g.buffer, offset: 0, size: Math.max(4, g.bytes) };
  }

  matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void {
    encodeMatmulOp(this.ctx, this.full(a), this.full(b), this.full(out), p);
  }

  convForward(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: ConvGeometry): void {
    encodeConvForwardOp(this.ctx, this.full(x), this.full(w), bias ? this.full(bias) : null, this.full(y), g);
  }

  convGradInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void {
    encodeConvGradInputOp(this.ctx, this.full(dy), this.full(w), this.full(dx), g);
  }

  convGradWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void {
    encodeConvGradWeightOp(this.ctx, this.full(x), this.full(dy), this.full(dw), g);
  }

  // ---------- pooling / resize ----------

  private poolParams(g: PoolGeometry, n: number, rs: number): ArrayBuffer {
    const v4 = (w: ParamWriter, v: readonly number[]) => w.i32(v[0]).i32(v[1]).i32(v[2]).i32(0);
    const w = new ParamWriter(16 + 5 * 16).u32(n).u32(rs).u32(g.countIncludePad ? 1 : 0).u32(0);
    v4(w, g.inSize);
    v4(w, g.outSize);
    v4(w, g.kernel);
    v4(w, g.stride);
    v4(w, g.padding);
    return w.buffer();
  }

  private poolMode(g: PoolGeometry): number {
    return g.mode === 'max' ? 0 : g.mode === 'avg' ? 1 : 2;
  }

  pool(x: Storage, y: Storage, g: PoolGeometry): void {
    const n = g.planes * g.outSize[0] * g.outSize[1] * g.outSize[2];
    this.launch(poolWgsl, 'pool', 'pool_forward', { MODE: this.poolMode(g) }, n, (rs) => this.poolParams(g, n, rs), [this.whole(x, 'pool'), this.whole(y, 'pool')]);
  }

  poolBackward(x: Storage, dy: Storage, dx: Storage, g: PoolGeometry): void {
    const n = g.planes * g.inSize[0] * g.inSize[1] * g.inSize[2];
    this.launch(poolWgsl, 'pool', 'pool_backward', { MODE: this.poolMode(g) }, n, (rs) => this.poolParams(g, n, rs), [
      this.whole(x, 'pool backward'), this.whole(dy, 'pool backward'), this.whole(dx, 'pool backward'),
    ]);
  }

  private resizeParams(p: Resize1dParams, n: number, rs: number): ArrayBuffer {
    return new ParamWriter(48).u32(n).u32(rs).u32(p.outer).u32(p.inLen).u32(p.outLen).u32(p.inner)
      .u32(p.mode === 'nearest' ? 1 : 0).u32(p.alignCorners ? 1 : 0).f32(p.scale).u32(0).u32(0).u32(0).buffer();
  }

  resize1d(x: Storage, y: Storage, p: Resize1dParams): void {
    const n = p.outer * p.outLen * p.inner;
    this.launch(resizeWgsl, 'resize', 'resize_forward', {}, n, (rs) => this.resizeParams(p, n, rs), [this.whole(x, 'resize'), this.whole(y, 'resize')]);
  }

  resize1dBackward(dy: Storage, dx: Storage, p: Resize1dParams): void {
    const n = p.outer * p.inLen * p.inner;
    this.launch(resizeWgsl, 'resize', 'resize_backward', {}, n, (rs) => this.resizeParams(p, n, rs), [this.whole(dy, 'resize backward'), this.whole(dx, 'resize backward')]);
  }

  // ---------- random / optimizers ----------

  random(out: Storage, size: number, seed: number, stream: number, normal: boolean): void {
    for (const [s, c] of this.chunks(size)) {
      this.launch(rngWgsl, 'rng', 'random', {}, c, (rs) => new ParamWriter(32).u32(c).u32(rs).u32(seed).u32(stream).u32(normal ? 1 : 0).u32(s).u32(0).u32(0).buffer(), [
        this.range(out, s, c),
      ]);
    }
  }

  adam(param: Storage, grad: Storage, m: Storage, v: Storage, size: number, p: AdamParams): void {
    const stepSize = p.lr / (1 - Math.pow(p.beta1, p.step));
    const sqrtBc2 = Math.sqrt(1 - Math.pow(p.beta2, p.step));
    for (const [s, c] of this.chunks(size)) {
      this.launch(optimWgsl, 'optim', 'adam', {}, c, (rs) => new ParamWriter(48).u32(c).u32(rs).u32(p.decoupled ? 1 : 0).u32(0)
        .f32(p.lr).f32(p.beta1).f32(p.beta2).f32(p.eps).f32(p.weightDecay).f32(stepSize).f32(sqrtBc2).f32(0).buffer(),
      [this.range(param, s, c), this.range(grad, s, c), this.range(m, s, c), this.range(v, s, c)]);
    }
  }

  sgd(param: Storage, grad: Storage, buf: Storage | null, size: number, p: SgdParams): void {
    const withMomentum = p.momentum !== 0 && buf !== null;
    for (const [s, c] of this.chunks(size)) {
      this.launch(optimWgsl, 'optim', withMomentum ? 'sgd_momentum' : 'sgd_plain', {}, c, (rs) => new ParamWriter(32).u32(c).u32(rs).u32(p.nesterov ? 1 : 0).u32(p.firstStep ? 1 : 0)
        .f32(p.lr).f32(p.momentum).f32(p.dampening).f32(p.weightDecay).buffer(),
      withMomentum ? [this.range(param, s, c), this.range(grad, s, c), this.range(buf!, s, c)] : [this.range(param, s, c), this.range(grad, s, c)]);
    }
  }
}

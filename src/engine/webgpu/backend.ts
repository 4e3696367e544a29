/**
 * The WebGPU backend: storages are pooled GPUBuffers, ops record dispatches into one GpuContext
 * command encoder, submitted on readback, flush() or sync(). Kernels live in kernels/*.wgsl.
 *
 * Large tensors (above maxStorageBufferBindingSize, within maxBufferSize) dispatch in chunks over
 * binding ranges: element-wise kernels, reductions, random fills and optimizer updates by element
 * ranges; pooling and resizing by groups of whole planes; strided gathers/places (permute, slice,
 * pad, flip, broadcast, concat) and broadcast operands by the footprint each output chunk reads.
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
import { collapseBroadcast, collapseGather, collapsePlace } from './collapse';
import { encodeConvForwardOp, encodeConvGradInputOp, encodeConvGradWeightOp, encodeMatmulOp } from './linalg';
import elementwiseWgsl from '../../../kernels/elementwise.wgsl?raw';
import shapeWgsl from '../../../kernels/shape.wgsl?raw';
import reduceWgsl from '../../../kernels/reduce.wgsl?raw';
import poolWgsl from '../../../kernels/pool.wgsl?raw';
import resizeWgsl from '../../../kernels/resize.wgsl?raw';
import rngWgsl from '../../../kernels/rng.wgsl?raw';
import optimWgsl from '../../../kernels/optim.wgsl?raw';
import normWgsl from '../../../kernels/norm.wgsl?raw';

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

  /** Releases pooled buffers and closes this backend's error scopes (the device stays usable). */
  dispose(): void {
    this.trimPool();
    this.device.removeEventListener('uncapturederror', this.onError);
    // Close the scopes opened at the last submit, so later errors on this device reach others.
    void this.device.popErrorScope().catch(() => null);
    void this.device.popErrorScope().catch(() => null);
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

  private flushedAt = 0;

  /**
   * Submits when a very long stretch of work was recorded without a readback (a loop that never
   * reads a value), so command buffers and the uniform arena stay bounded.
   */
  private maybeFlush(): void {
    if (this.ctx.dispatchCount - this.flushedAt >= 4096) {
      this.flush();
      this.flushedAt = this.ctx.dispatchCount;
    }
  }

  private launch(code: string, label: string, entryPoint: string, constants: Record<string, number>, threads: number,
    params: (rowStride: number) => ArrayBuffer, buffers: BufferBinding[]): void {
    if (threads <= 0) return;
    const pipeline = this.ctx.pipeline({ label: `${label}:${entryPoint}`, code, entryPoint, constants: { WG, ...constants } });
    const { groups, groupsX } = grid(Math.ceil(threads / WG), this.device.limits.maxComputeWorkgroupsPerDimension);
    this.ctx.dispatch(pipeline, params(groupsX * WG), buffers, groups);
    this.maybeFlush();
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

  /** Halves a chunk, keeping chunk starts aligned for binding offsets. */
  private shrink(c: number): number {
    const align = this.alignElems;
    return Math.max(align, Math.floor(c / 2 / align) * align);
  }

  /**
   * Binds elements [first, first + count) from the aligned element `start` at or below `first`;
   * shift = first - start is where `first` sits inside the binding.
   */
  private shifted(st: Storage, first: number, count: number): { binding: BufferBinding; start: number; shift: number } {
    const align = this.alignElems;
    const start = Math.floor(first / align) * align;
    return { binding: this.range(st, start, first - start + count), start, shift: first - start };
  }

  /**
   * Groups of independent items (planes, outer slices) whose ranges in every operand fit one
   * binding; perItem holds each operand's elements per item.
   */
  private itemChunks(total: number, perItem: number[], what: string): Array<[number, number]> {
    const room = this.chunkElems - this.alignElems;
    const maxItems = Math.min(...perItem.map((p) => (p === 0 ? Infinity : Math.floor(room / p))));
    if (maxItems < 1) {
      throw new Error(`${what}: one plane of ${Math.max(...perItem)} elements exceeds maxStorageBufferBindingSize (${this.limit} bytes); use smaller patches`);
    }
    const out: Array<[number, number]> = [];
    for (let s = 0; s < total; s += maxItems) out.push([s, Math.min(maxItems, total - s)]);
    return out;
  }

  /**
   * Walks the output elements in chunks whose footprint in a strided operand fits one binding.
   * offsetRange(d, lo, hi) gives the min and max offset contribution of output coordinates
   * [lo, hi] along dim d. Calls visit(start, count, footprintLo, footprintHi).
   */
  private footprintChunks(shape: number[], operandElems: number, offsetRange: (d: number, lo: number, hi: number) => [number, number],
    visit: (start: number, count: number, lo: number, hi: number) => void): boolean {
    const n = shape.reduce((p, d) => p * d, 1);
    const room = this.chunkElems - this.alignElems;
    const denseStrides = stridesOf(shape);
    const plan: Array<[number, number, number, number]> = [];
    // Past this many chunks, passes over windows of the strided operand cost less.
    const maxChunks = Math.max(256, 64 * Math.ceil(operandElems / room));
    for (let s = 0; s < n;) {
      let c = Math.min(this.chunkElems - this.alignElems, n - s);
      for (;;) {
        const [lo, hi] = footprint(shape, s, c, offsetRange);
        if (hi - lo + 1 <= room) {
          plan.push([s, c, lo, hi]);
          break;
        }
        if (c === 1) return false;
        // Cut at the next index of the highest dim the chunk spans: the footprint is then exact
        // for that dim, and the next pass looks one dim deeper. Within the last dim, halve.
        let d = 0;
        while (d < shape.length - 1 && Math.floor(s / denseStrides[d]) === Math.floor((s + c - 1) / denseStrides[d])) d++;
        const boundary = (Math.floor(s / denseStrides[d]) + 1) * denseStrides[d];
        c = d < shape.length - 1 && boundary < s + c ? boundary - s : Math.max(1, Math.floor(c / 2));
      }
      s += c;
      // A scattered layout (a transpose whose rows each touch the whole operand): give up, the
      // caller uses windows over the strided operand instead.
      if (plan.length > maxChunks) return false;
    }
    for (const [s, c, lo, hi] of plan) visit(s, c, lo, hi);
    return true;
  }

  /** Windows [lo, lo + len) over a strided operand of `total` elements, each within one binding. */
  private windows(total: number): Array<[number, number]> {
    const room = this.chunkElems - this.alignElems;
    const out: Array<[number, number]> = [];
    for (let lo = 0; lo < total; lo += room) out.push([lo, Math.min(room, total - lo)]);
    return out;
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

  /**
   * Shared by binary and where: operands shaped like the output bind by the output's range;
   * broadcast operands bind whole, or (above the binding limit) by the footprint of each chunk.
   */
  private broadcastOp(entry: string, opCode: number, operandsIn: Array<[Storage, number[]]>, out: Storage, fullShape: number[]): void {
    const n = fullShape.reduce((p, d) => p * d, 1);
    const contiguous = stridesOf(fullShape);
    const aligned = operandsIn.map(([st, strides]) => gpu(st).elements === n && strides.every((v, i) => v === contiguous[i] || fullShape[i] === 1));
    const flags = aligned.reduce((f, al, i) => f | (al ? 1 << i : 0), 0);
    const collapsed = collapseBroadcast(fullShape, operandsIn.map(([, strides]) => strides));
    const outShape = collapsed.shape;
    const operands = operandsIn.map(([st], i) => [st, collapsed.strides[i]] as [Storage, number[]]);
    const strideSets = operands.map(([, strides]) => strides);
    while (strideSets.length < 3) strideSets.push([]);
    const rank = outShape.length;
    const fits = operands.every(([st], i) => aligned[i] || gpu(st).bytes <= this.limit);
    const dispatch = (s: number, c: number, binds: Array<{ binding: BufferBinding; start: number } | null>) => {
      const shifts = [0, 1, 2].map((i) => binds[i]?.start ?? 0);
      this.launch(elementwiseWgsl, 'elementwise', entry, { OP: opCode, RANK: rank }, c,
        (rs) => {
          const w = new ParamWriter(32 + 4 * 32).u32(c).u32(rs).u32(outShape.length).u32(flags).u32(s).u32(shifts[0]).u32(shifts[1]).u32(shifts[2]).dims(outShape);
          for (const st of strideSets) w.dims(st);
          return w.buffer();
        },
        [...operands.map(([st], i) => binds[i]?.binding ?? this.range(st, s, c)), this.range(out, s, c)]);
    };
    const maxDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (fits && n <= this.chunkElems && rank <= 3) {
      // Small-rank fast path: a 3D grid over the (right-aligned) shape, no index division.
      const pad = 3 - rank;
      const d = [...new Array<number>(pad).fill(1), ...outShape];
      if (d[2] >= 64 && Math.ceil(d[2] / WG) <= maxDim && d[1] <= maxDim && d[0] <= maxDim) {
        const st = strideSets.map((x) => [...new Array<number>(pad).fill(0), ...x.slice(0, rank), 0].slice(0, 3));
        const params = new ParamWriter(32 + 4 * 32).u32(n).u32(0).u32(3).u32(0).u32(0).u32(0).u32(0).u32(0)
          .dims([...d, 0]).dims([...st[0], 0]).dims([...st[1], 0]).dims([...st[2], 0]).buffer();
        const pipeline = this.ctx.pipeline({ label: `elementwise:${entry}3`, code: elementwiseWgsl, entryPoint: `${entry}3`, constants: { WG, OP: opCode } });
        const buffers = [...operands.map(([opSt]) => this.whole(opSt, entry)), this.whole(out, entry)];
        this.ctx.dispatch(pipeline, params, buffers, [Math.ceil(d[2] / WG), d[1], d[0]]);
        this.maybeFlush();
        return;
      }
    }
    if (fits) {
      const wholes = operands.map(([st], i) => (aligned[i] ? null : { binding: this.whole(st, entry), start: 0 }));
      for (const [s, c] of this.chunks(n)) dispatch(s, c, wholes);
      return;
    }
    // Footprint of all broadcast operands at once: chunk until each fits.
    const big = operands.map((_, i) => i).filter((i) => !aligned[i]);
    for (let s = 0; s < n;) {
      let c = Math.min(this.chunkElems, n - s);
      let binds: Array<{ binding: BufferBinding; start: number } | null> = [];
      for (;;) {
        const ranges = big.map((i) => footprint(outShape, s, c, (d, lo, hi) => [lo * strideSets[i][d], hi * strideSets[i][d]]));
        if (ranges.every(([lo, hi]) => hi - lo + 1 <= this.chunkElems - this.alignElems) || c <= this.alignElems) {
          binds = operands.map((_, i) => {
            const k = big.indexOf(i);
            return k < 0 ? null : this.shifted(operands[i][0], ranges[k][0], ranges[k][1] - ranges[k][0] + 1);
          });
          break;
        }
        c = this.shrink(c);
      }
      dispatch(s, c, binds);
      s += c;
    }
  }

  binary(op: BinaryOp, a: Storage, aStrides: number[], b: Storage, bStrides: number[], out: Storage, outShape: number[]): void {
    this.broadcastOp('binary', BINARY_OPS.indexOf(op), [[a, aStrides], [b, bStrides]], out, outShape);
  }

  where(c: Storage, cStrides: number[], a: Storage, aStrides: number[], b: Storage, bStrides: number[], out: Storage, outShape: number[]): void {
    this.broadcastOp('where_select', 0, [[c, cStrides], [a, aStrides], [b, bStrides]], out, outShape);
  }

  // ---------- reductions ----------

  reduce(op: ReduceOp, x: Storage, out: Storage, rows: number, len: number, outer = 1, midInner = 1): void {
    if (rows === 0) return;
    if (len === 0) {
      this.fill(out, rows, 0);
      return;
    }
    const code = REDUCE_OPS.indexOf(op);
    if (midInner > 1) {
      const o = rows / midInner;
      if (gpu(x).bytes > this.limit) {
        const t = this.alloc(rows * len, 'float32');
        this.gather(x, t, [o, midInner, len], [
          { start: 0, step: 1, bound: o, inStride: len * midInner },
          { start: 0, step: 1, bound: midInner, inStride: 1 },
          { start: 0, step: 1, bound: len, inStride: midInner },
        ], 0);
        this.reduce(op, t, out, rows, len);
        this.free(t);
        return;
      }
      this.reduceDispatch(code, x, 0, rows, len, out, 0, 1, midInner);
      return;
    }
    if (outer > 1) {
      const inner = len / outer;
      if (gpu(x).bytes > this.limit) {
        // Strided rows above the binding limit: transpose to contiguous rows first (chunked gather).
        const t = this.alloc(rows * len, 'float32');
        this.gather(x, t, [rows, outer, inner], [
          { start: 0, step: 1, bound: rows, inStride: inner },
          { start: 0, step: 1, bound: outer, inStride: rows * inner },
          { start: 0, step: 1, bound: inner, inStride: 1 },
        ], 0);
        this.reduce(op, t, out, rows, len);
        this.free(t);
        return;
      }
      this.reduceDispatch(code, x, 0, rows, len, out, 0, outer);
      return;
    }
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
  private reduceDispatch(code: number, x: Storage, xStart: number, rc: number, len: number, out: Storage, yStart: number, outer = 1, midInner = 1): void {
    // Few long rows (a batch-norm statistic, a loss): split rows into segments, one workgroup
    // each, then reduce the partials (sum, max and min only: arg ops need the values too).
    const SEG = 4096;
    if (code < 3 && rc < 64 && len >= 2 * SEG) {
      const segs = Math.ceil(len / SEG);
      const partial = this.alloc(rc * segs, 'float32');
      this.reduceDispatchSegments(code, x, xStart, rc, len, partial, 0, segs, SEG, outer, midInner);
      this.reduceDispatchSegments(code, partial, 0, rc, segs, out, yStart, 1, segs, 1, 1);
      this.free(partial);
      return;
    }
    this.reduceDispatchSegments(code, x, xStart, rc, len, out, yStart, 1, len, outer, midInner);
  }

  private reduceDispatchSegments(code: number, x: Storage, xStart: number, rc: number, len: number, out: Storage, yStart: number,
    segs: number, segLen: number, outer: number, midInner: number): void {
    const align = this.alignElems;
    const xa = Math.floor(xStart / align) * align;
    const ya = Math.floor(yStart / align) * align;
    const xBind = this.range(x, xa, xStart - xa + rc * len);
    const yBind = this.range(out, ya, yStart - ya + rc * segs);
    const small = len <= 32 && segs === 1;
    const pipeline = this.ctx.pipeline({ label: `reduce:${small ? 'small' : 'rows'}`, code: reduceWgsl, entryPoint: small ? 'reduce_small' : 'reduce_rows', constants: { WG, OP: code } });
    const maxDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    const { groups, groupsX } = grid(small ? Math.ceil(rc / WG) : rc * segs, maxDim);
    const params = new ParamWriter(48).u32(rc).u32(len).u32(groupsX).u32(xStart - xa).u32(yStart - ya).u32(groupsX * WG).u32(segs).u32(segLen)
      .u32(outer).u32(len / outer).u32(midInner).u32(0).buffer();
    this.ctx.dispatch(pipeline, params, [xBind, yBind], groups);
  }

  // ---------- shape ----------

  gather(x: Storage, out: Storage, fullShape: number[], fullDims: GatherDim[], fill: number): void {
    const { shape: outShape, dims, offset } = collapseGather(fullShape, fullDims);
    const n = outShape.reduce((p, d) => p * d, 1);
    const dispatch = (s: number, c: number, xb: BufferBinding, xBase: number, win: [number, number, boolean] | null) => {
      const ys = this.shifted(out, s, c);
      this.launch(shapeWgsl, 'shape', 'gather', { RANK: outShape.length }, c, (rs) => new ParamWriter(32 + 5 * 32 + 16)
        .u32(c).u32(rs).u32(outShape.length).u32(s).f32(fill).u32(xBase).u32(ys.shift).u32(offset)
        .dims(outShape).dims(dims.map((d) => d.start), true).dims(dims.map((d) => d.step), true)
        .dims(dims.map((d) => d.bound), true).dims(dims.map((d) => d.inStride))
        .u32(win ? win[0] : 0).u32(win ? win[1] : 0).u32(win ? 1 : 0).u32(!win || win[2] ? 1 : 0).buffer(),
      [xb, ys.binding]);
    };
    if (gpu(x).bytes <= this.limit) {
      const xb = this.whole(x, 'gather');
      for (const [s, c] of this.chunks(n)) dispatch(s, c, xb, 0, null);
      return;
    }
    // Input above the binding limit: bind, per output chunk, the input range it reads ...
    const compact = this.footprintChunks(outShape, gpu(x).elements, (d, lo, hi) => {
      const g = dims[d];
      const clamp = (v: number) => Math.min(Math.max(v, 0), g.bound - 1);
      const a = clamp(g.start + lo * g.step) * g.inStride;
      const b = clamp(g.start + hi * g.step) * g.inStride;
      return [Math.min(a, b), Math.max(a, b)];
    }, (s, c, lo, hi) => {
      const { binding, start } = this.shifted(x, lo + offset, hi - lo + 1);
      dispatch(s, c, binding, start, null);
    });
    if (compact) return;
    // ... or, for scattered reads, one pass over the output per window of the input.
    this.windows(gpu(x).elements).forEach(([lo, len], k) => {
      const { binding, start } = this.shifted(x, lo, len);
      for (const [s, c] of this.chunks(n)) dispatch(s, c, binding, start, [lo, lo + len, k === 0]);
    });
  }

  place(src: Storage, fullShape: number[], dst: Storage, fullDims: PlaceDim[]): void {
    const { shape: srcShape, dims, offset } = collapsePlace(fullShape, fullDims);
    const n = srcShape.reduce((p, d) => p * d, 1);
    const dispatch = (s: number, c: number, db: BufferBinding, dBase: number, win: [number, number] | null) => {
      const ss = this.shifted(src, s, c);
      this.launch(shapeWgsl, 'shape', 'place', { RANK: srcShape.length }, c, (rs) => new ParamWriter(32 + 5 * 32 + 16)
        .u32(c).u32(rs).u32(srcShape.length).u32(s).f32(0).u32(dBase).u32(ss.shift).u32(offset)
        .dims(srcShape).dims(dims.map((d) => d.start), true).dims(dims.map((d) => d.step), true)
        .dims([], true).dims(dims.map((d) => d.dstStride))
        .u32(win ? win[0] : 0).u32(win ? win[1] : 0).u32(win ? 1 : 0).u32(0).buffer(),
      [ss.binding, db]);
    };
    if (gpu(dst).bytes <= this.limit) {
      const db = this.whole(dst, 'place');
      for (const [s, c] of this.chunks(n)) dispatch(s, c, db, 0, null);
      return;
    }
    const compact = this.footprintChunks(srcShape, gpu(dst).elements, (d, lo, hi) => {
      const a = (dims[d].start + lo * dims[d].step) * dims[d].dstStride;
      const b = (dims[d].start + hi * dims[d].step) * dims[d].dstStride;
      return [Math.min(a, b), Math.max(a, b)];
    }, (s, c, lo, hi) => {
      const { binding, start } = this.shifted(dst, lo + offset, hi - lo + 1);
      dispatch(s, c, binding, start, null);
    });
    if (compact) return;
    for (const [lo, len] of this.windows(gpu(dst).elements)) {
      const { binding, start } = this.shifted(dst, lo, len);
      for (const [s, c] of this.chunks(n)) dispatch(s, c, binding, start, [lo, lo + len]);
    }
  }

  // ---------- matmul / conv (kernels in ./kernels) ----------

  private full(s: Storage): BufferBinding {
    const g = gpu(s);
    return { buffer: g.buffer, offset: 0, size: Math.max(4, g.bytes) };
  }

  matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void {
    encodeMatmulOp(this.ctx, this.full(a), this.full(b), this.full(out), p);
    this.maybeFlush();
  }

  convForward(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: ConvGeometry): void {
    encodeConvForwardOp(this.ctx, this.full(x), this.full(w), bias ? this.full(bias) : null, this.full(y), g);
    this.maybeFlush();
  }

  convGradInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void {
    encodeConvGradInputOp(this.ctx, this.full(dy), this.full(w), this.full(dx), g);
    this.maybeFlush();
  }

  convGradWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void {
    encodeConvGradWeightOp(this.ctx, this.full(x), this.full(dy), this.full(dw), g);
    this.maybeFlush();
  }

  // ---------- pooling / resize ----------

  private poolParams(g: PoolGeometry, n: number, rs: number, shifts: number[]): ArrayBuffer {
    const v4 = (w: ParamWriter, v: readonly number[]) => w.i32(v[0]).i32(v[1]).i32(v[2]).i32(0);
    const w = new ParamWriter(32 + 5 * 16).u32(n).u32(rs).u32(g.countIncludePad ? 1 : 0).u32(0);
    w.u32(shifts[0] ?? 0).u32(shifts[1] ?? 0).u32(shifts[2] ?? 0).u32(0);
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
    const inP = g.inSize[0] * g.inSize[1] * g.inSize[2];
    const outP = g.outSize[0] * g.outSize[1] * g.outSize[2];
    for (const [p0, np] of this.itemChunks(g.planes, [inP, outP], 'pool')) {
      const xs = this.shifted(x, p0 * inP, np * inP);
      const ys = this.shifted(y, p0 * outP, np * outP);
      const n = np * outP;
      this.launch(poolWgsl, 'pool', 'pool_forward', { MODE: this.poolMode(g) }, n, (rs) => this.poolParams(g, n, rs, [xs.shift, ys.shift]), [xs.binding, ys.binding]);
    }
  }

  poolBackward(x: Storage, dy: Storage, dx: Storage, g: PoolGeometry): void {
    const inP = g.inSize[0] * g.inSize[1] * g.inSize[2];
    const outP = g.outSize[0] * g.outSize[1] * g.outSize[2];
    // Max windows that tile the input exactly (stride == kernel, no padding, sizes multiples of
    // the kernel): each input lies in exactly one window, so one thread per window can scatter.
    const tiles = g.mode === 'max' && [0, 1, 2].every((a) => g.stride[a] === g.kernel[a] && g.padding[a] === 0 && g.outSize[a] * g.kernel[a] === g.inSize[a]);
    for (const [p0, np] of this.itemChunks(g.planes, [inP, outP], 'pool backward')) {
      const xs = this.shifted(x, p0 * inP, np * inP);
      const dys = this.shifted(dy, p0 * outP, np * outP);
      const dxs = this.shifted(dx, p0 * inP, np * inP);
      if (tiles) {
        const n = np * outP;
        this.launch(poolWgsl, 'pool', 'pool_backward_tiles', { MODE: 0 }, n, (rs) => this.poolParams(g, n, rs, [xs.shift, dxs.shift, dys.shift]), [
          xs.binding, dys.binding, dxs.binding,
        ]);
        continue;
      }
      const n = np * inP;
      this.launch(poolWgsl, 'pool', 'pool_backward', { MODE: this.poolMode(g) }, n, (rs) => this.poolParams(g, n, rs, [xs.shift, dxs.shift, dys.shift]), [
        xs.binding, dys.binding, dxs.binding,
      ]);
    }
  }

  private resizeParams(p: Resize1dParams, outer: number, n: number, rs: number, xShift: number, yShift: number): ArrayBuffer {
    return new ParamWriter(48).u32(n).u32(rs).u32(outer).u32(p.inLen).u32(p.outLen).u32(p.inner)
      .u32(p.mode === 'nearest' ? 1 : 0).u32(p.alignCorners ? 1 : 0).f32(p.scale).u32(xShift).u32(yShift).u32(0).buffer();
  }

  /**
   * One resize pass over `outer` rows writing `len` positions per row (out_len forward, in_len
   * backward): the grid variants (no per-element division) when the grid fits, else the flat one.
   */
  private resizeDispatch(entry: 'resize_forward' | 'resize_backward', p: Resize1dParams, outer: number, len: number,
    src: { binding: BufferBinding; shift: number }, dst: { binding: BufferBinding; shift: number }): void {
    const maxDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    const wg = 64;
    const pipeline = (variant: string) => this.ctx.pipeline({ label: `resize:${entry}${variant}`, code: resizeWgsl, entryPoint: `${entry}${variant}`, constants: { WG: wg } });
    const n = outer * len * p.inner;
    if (p.inner === 1) {
      const gx = Math.ceil(len / wg);
      const ny = Math.min(outer, maxDim);
      const nz = Math.ceil(outer / ny);
      if (gx <= maxDim && nz <= maxDim) {
        this.ctx.dispatch(pipeline('_rows'), this.resizeParams(p, outer, n, ny, src.shift, dst.shift), [src.binding, dst.binding], [gx, ny, nz]);
        this.maybeFlush();
        return;
      }
    } else if (p.inner >= 32) {
      const gx = Math.ceil(p.inner / wg);
      if (gx <= maxDim && len <= maxDim && outer <= maxDim) {
        this.ctx.dispatch(pipeline('_grid'), this.resizeParams(p, outer, n, 0, src.shift, dst.shift), [src.binding, dst.binding], [gx, len, outer]);
        this.maybeFlush();
        return;
      }
    }
    this.launch(resizeWgsl, 'resize', entry, {}, n, (rs) => this.resizeParams(p, outer, n, rs, src.shift, dst.shift), [src.binding, dst.binding]);
  }

  resize1d(x: Storage, y: Storage, p: Resize1dParams): void {
    const inPer = p.inLen * p.inner;
    const outPer = p.outLen * p.inner;
    for (const [o0, no] of this.itemChunks(p.outer, [inPer, outPer], 'resize')) {
      const xs = this.shifted(x, o0 * inPer, no * inPer);
      const ys = this.shifted(y, o0 * outPer, no * outPer);
      this.resizeDispatch('resize_forward', p, no, p.outLen, xs, ys);
    }
  }

  resize1dBackward(dy: Storage, dx: Storage, p: Resize1dParams): void {
    const inPer = p.inLen * p.inner;
    const outPer = p.outLen * p.inner;
    for (const [o0, no] of this.itemChunks(p.outer, [inPer, outPer], 'resize backward')) {
      const dys = this.shifted(dy, o0 * outPer, no * outPer);
      const dxs = this.shifted(dx, o0 * inPer, no * inPer);
      this.resizeDispatch('resize_backward', p, no, p.inLen, dys, dxs);
    }
  }

  // ---------- fused normalisation (kernels/norm.wgsl; ops/norm.ts composes ops where these don't apply) ----------

  /** Values per statistics segment: one workgroup each, so few long rows still spread out. */
  private static readonly NORM_SEG = 4096;

  private normLayout(outer: number, inner: number) {
    const seg = Math.min(inner, WebGpuBackend.NORM_SEG);
    const segsPerRow = Math.ceil(inner / seg);
    const gx = Math.min(Math.ceil(inner / WG), this.device.limits.maxComputeWorkgroupsPerDimension);
    return { seg, segsPerRow, segments: outer * segsPerRow, gx };
  }

  private normParams(outer: number, groups: number, inner: number, wmod: number, flags: number, eps: number): ArrayBuffer {
    const { seg, segsPerRow, gx } = this.normLayout(outer, inner);
    return new ParamWriter(48).u32(outer).u32(groups).u32(inner).u32(wmod).u32(segsPerRow).u32(seg).u32(flags).f32(eps)
      .u32(gx).u32(0).u32(0).u32(0).buffer();
  }

  private normPipeline(entryPoint: string): GPUComputePipeline {
    return this.ctx.pipeline({ label: `norm:${entryPoint}`, code: normWgsl, entryPoint, constants: entryPoint.endsWith('combine') ? {} : { WG } });
  }

  /**
   * Whether the fused kernels handle x seen as [outer, groups, inner]: x within one binding and
   * the grids within the per-dimension limit.
   */
  normSupported(outer: number, groups: number, inner: number): boolean {
    const maxDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    const { segments } = this.normLayout(outer, inner);
    const size = outer * groups * inner;
    return size > 0 && size * 4 <= this.limit && segments <= maxDim && groups <= maxDim && outer <= maxDim && 2 * groups * segments * 4 <= this.limit;
  }

  /** Per group: mean, biased variance and 1 / sqrt(var + eps) of x seen as [outer, groups, inner]. */
  normStats(x: Storage, outer: number, groups: number, inner: number, eps: number, mean: Storage, variance: Storage, invstd: Storage): void {
    const { segments } = this.normLayout(outer, inner);
    const partials = this.alloc(2 * groups * segments, 'float32');
    const params = this.normParams(outer, groups, inner, groups, 0, eps);
    this.ctx.dispatch(this.normPipeline('stats_partial'), params, [this.whole(x, 'batchNorm'), this.full(partials)], [segments, groups, 1]);
    this.ctx.dispatch(this.normPipeline('stats_combine'), params, [this.full(partials), this.full(mean), this.full(variance), this.full(invstd)], [Math.ceil(groups / 64), 1, 1]);
    this.free(partials);
    this.maybeFlush();
  }

  /** y = (x - mean) * invstd * weight + bias per group (weight / bias indexed by group % wmod, optional). */
  normApply(x: Storage, mean: Storage, invstd: Storage, weight: Storage | null, bias: Storage | null, wmod: number,
    outer: number, groups: number, inner: number, y: Storage): void {
    const { gx } = this.normLayout(outer, inner);
    const flags = (weight ? 1 : 0) | (bias ? 2 : 0);
    const params = this.normParams(outer, groups, inner, wmod, flags, 0);
    // Absent weight / bias: bind mean in their place (never read: the flag is off).
    this.ctx.dispatch(this.normPipeline('apply'), params, [
      this.whole(x, 'batchNorm'), this.full(mean), this.full(invstd), this.full(weight ?? mean), this.full(bias ?? mean), this.whole(y, 'batchNorm'),
    ], [gx, groups, outer]);
    this.maybeFlush();
  }

  /**
   * Backward of normApply with batch statistics: dx, and sums [2, groups] = (sum of gy, sum of
   * gy * xhat) per group (the bias and weight gradients before any sum over groups sharing a weight).
   */
  normGrad(x: Storage, gy: Storage, mean: Storage, invstd: Storage, weight: Storage | null, wmod: number,
    outer: number, groups: number, inner: number, dx: Storage, sums: Storage): void {
    const { segments, gx } = this.normLayout(outer, inner);
    const partials = this.alloc(2 * groups * segments, 'float32');
    const params = this.normParams(outer, groups, inner, wmod, weight ? 1 : 0, 0);
    this.ctx.dispatch(this.normPipeline('grad_partial'), params, [
      this.whole(x, 'batchNorm backward'), this.whole(gy, 'batchNorm backward'), this.full(mean), this.full(invstd), this.full(partials),
    ], [segments, groups, 1]);
    this.ctx.dispatch(this.normPipeline('grad_combine'), params, [this.full(partials), this.full(sums)], [Math.ceil(groups / 64), 1, 1]);
    this.ctx.dispatch(this.normPipeline('grad_apply'), params, [
      this.whole(x, 'batchNorm backward'), this.whole(gy, 'batchNorm backward'), this.full(mean), this.full(invstd), this.full(weight ?? mean),
      this.full(sums), this.whole(dx, 'batchNorm backward'),
    ], [gx, groups, outer]);
    this.free(partials);
    this.maybeFlush();
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

/**
 * Min and max offset a strided operand touches for output elements [s, s + c) of `shape`:
 * the coordinate range per dim (exact for the dims where the chunk's first and last elements
 * agree on all earlier dims, the full extent after that), mapped through offsetRange.
 */
export function footprint(shape: number[], s: number, c: number, offsetRange: (d: number, lo: number, hi: number) => [number, number]): [number, number] {
  const rank = shape.length;
  const unravel = (flat: number) => {
    const idx = new Array<number>(rank);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = flat % shape[d];
      flat = Math.floor(flat / shape[d]);
    }
    return idx;
  };
  const first = unravel(s);
  const last = unravel(s + c - 1);
  let lo = 0;
  let hi = 0;
  let same = true;
  for (let d = 0; d < rank; d++) {
    const [a, b] = same ? [first[d], last[d]] : [0, shape[d] - 1];
    if (first[d] !== last[d]) same = false;
    const [mn, mx] = offsetRange(d, a, b);
    lo += mn;
    hi += mx;
  }
  return [lo, hi];
}

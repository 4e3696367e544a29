/**
 * WebGPU convolution kernels (f32, NC(D)HW, weights [cOut, cIn, ...kernel], PyTorch semantics):
 * forward with fused bias, grad-input and grad-weight, all implicit GEMM with register tiling
 * (kernels/conv_*.wgsl). Same geometry type and semantics as the CPU reference in cpu/conv.ts.
 * The encode functions only record dispatches into ctx (no submit, no readback) and overwrite
 * their output buffers.
 *
 * Tensors above maxStorageBufferBindingSize: the work is cut into chunks of whole batch items, or,
 * when one batch item does not fit, of channel ranges of one item (each channel range of an NCDHW
 * tensor is contiguous); chunks are bound from aligned offsets with an element base. Input-channel
 * chunks of forward (and output-channel chunks of grad-input, batch chunks of grad-weight)
 * accumulate into the output. A single channel of one item must fit in one binding.
 */
import convForwardWgsl from '../../../../kernels/conv_forward.wgsl?raw';
import convGradInputWgsl from '../../../../kernels/conv_grad_input.wgsl?raw';
import convGradWeightWgsl from '../../../../kernels/conv_grad_weight.wgsl?raw';
import type { BufferBinding, GpuContext } from '../context';
import { toGeometry3, type ConvGeometry, type Geometry3 } from '../../cpu/conv';
import { checkBinding, maxChunkElements, packParams, ranges, subBinding, tiledKernelSource } from './conv_common';

/** TM in the WGSL files: channels per invocation; each invocation also covers 4 positions. */
const TM = 16;
const WG = 64;
const COLS_PER_GROUP = 4 * WG;

const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);

interface Chunk {
  /** First batch item and count. */
  b0: number;
  nb: number;
}

/**
 * Batch items per chunk and channels per chunk for tensors [n, C_t, vol_t] that must each fit in
 * one binding. Returns the batch chunks and, per tensor, the channel chunk size.
 */
function planChunks(ctx: GpuContext, kernel: string, n: number, tensors: { name: string; channels: number; vol: number }[]) {
  const maxE = maxChunkElements(ctx);
  let perBatch = n;
  const channelsPer: number[] = [];
  for (const t of tensors) {
    if (t.vol > maxE) {
      throw new Error(
        `${kernel}: one channel of '${t.name}' (${t.vol} elements) exceeds maxStorageBufferBindingSize ` +
          `(${maxE * 4} bytes usable); use smaller patches`,
      );
    }
    const item = t.channels * t.vol;
    if (item <= maxE) {
      perBatch = Math.min(perBatch, Math.floor(maxE / item));
      channelsPer.push(t.channels);
    } else {
      perBatch = 1;
      channelsPer.push(Math.floor(maxE / t.vol));
    }
  }
  const batches: Chunk[] = ranges(n, Math.max(1, perBatch)).map(([b0, nb]) => ({ b0, nb }));
  return { batches, channelsPer };
}

function geometryFields(g: Geometry3): number[] {
  return [...g.inSize, ...g.outSize, ...g.kernel, ...g.stride, ...g.padding, ...g.dilation];
}

function columnDispatches(ctx: GpuContext, columns: number, rows: number, record: (colOffset: number, groups: [number, number, number]) => void): void {
  const maxGroups = ctx.limits.maxComputeWorkgroupsPerDimension;
  const colGroups = Math.ceil(columns / COLS_PER_GROUP);
  const rowGroups = Math.ceil(rows / TM);
  for (let g0 = 0; g0 < colGroups; g0 += maxGroups) {
    record(g0 * COLS_PER_GROUP, [Math.min(maxGroups, colGroups - g0), rowGroups, 1]);
  }
}

function checkWeights(ctx: GpuContext, kernel: string, g: Geometry3): void {
  const wElems = g.cOut * g.cIn * prod(g.kernel);
  if (wElems > maxChunkElements(ctx)) throw new Error(`${kernel}: weights (${wElems} elements) exceed maxStorageBufferBindingSize`);
}

const zeroBiasByContext = new WeakMap<GpuContext, GPUBuffer>();

/** A 256-byte zero buffer bound as `bias` when there is none (one per context). */
function zeroBias(ctx: GpuContext): GPUBuffer {
  let buf = zeroBiasByContext.get(ctx);
  if (!buf) {
    buf = ctx.device.createBuffer({ label: 'conv-no-bias', size: 256, usage: GPUBufferUsage.STORAGE });
    zeroBiasByContext.set(ctx, buf);
  }
  return buf;
}

/** y = conv(x, w) + bias. x [n, cIn, ...in], w [cOut, cIn, ...k], bias [cOut] or null, y [n, cOut, ...out]. */
export function encodeConvForward(ctx: GpuContext, x: BufferBinding, w: BufferBinding, bias: BufferBinding | null, y: BufferBinding, geometry: ConvGeometry): void {
  const g = toGeometry3(geometry);
  const inVol = prod(g.inSize), outVol = prod(g.outSize), kVol = prod(g.kernel);
  checkBinding('conv forward', 'x', x, g.n * g.cIn * inVol);
  checkBinding('conv forward', 'w', w, g.cOut * g.cIn * kVol);
  if (bias) checkBinding('conv forward', 'bias', bias, g.cOut);
  checkBinding('conv forward', 'y', y, g.n * g.cOut * outVol);
  checkWeights(ctx, 'conv forward', g);
  const fwd = tiledKernelSource(ctx, convForwardWgsl);
  const pipeline = ctx.pipeline({ label: `conv_forward-${fwd.variant}`, code: fwd.code, constants: { WG } });
  const plan = planChunks(ctx, 'conv forward', g.n, [
    { name: 'x', channels: g.cIn, vol: inVol },
    { name: 'y', channels: g.cOut, vol: outVol },
  ]);
  const [ciPer, coPer] = plan.channelsPer;
  const wBind = subBinding(ctx, w, 0, g.cOut * g.cIn * kVol).binding;
  for (const { b0, nb } of plan.batches) {
    for (const [co0, nco] of ranges(g.cOut, coPer)) {
      const ySub = subBinding(ctx, y, (b0 * g.cOut + co0) * outVol, ((nb - 1) * g.cOut + nco) * outVol);
      ranges(g.cIn, ciPer).forEach(([ci0, nci], chunkIndex) => {
        const xSub = subBinding(ctx, x, (b0 * g.cIn + ci0) * inVol, ((nb - 1) * g.cIn + nci) * inVol);
        const flags = (bias && chunkIndex === 0 ? 1 : 0) | (chunkIndex > 0 ? 2 : 0);
        columnDispatches(ctx, nb * outVol, nco, (colOffset, groups) => {
          const params = packParams([
            ...geometryFields(g),
            nb, nci, nco,
            co0, ci0, g.cIn,
            xSub.base, g.cIn * inVol,
            ySub.base, g.cOut * outVol,
            flags, colOffset,
          ]);
          // Without a bias a small zero buffer is bound in its place (never read: flags bit 0 is off).
          ctx.dispatch(pipeline, params, [xSub.binding, wBind, bias ?? zeroBias(ctx), ySub.binding], groups);
        });
      });
    }
  }
}

/** dx = transposed convolution of dy with w. dy [n, cOut, ...out], dx [n, cIn, ...in]. */
export function encodeConvGradInput(ctx: GpuContext, dy: BufferBinding, w: BufferBinding, dx: BufferBinding, geometry: ConvGeometry): void {
  const g = toGeometry3(geometry);
  const inVol = prod(g.inSize), outVol = prod(g.outSize), kVol = prod(g.kernel);
  checkBinding('conv grad-input', 'dy', dy, g.n * g.cOut * outVol);
  checkBinding('conv grad-input', 'w', w, g.cOut * g.cIn * kVol);
  checkBinding('conv grad-input', 'dx', dx, g.n * g.cIn * inVol);
  checkWeights(ctx, 'conv grad-input', g);
  const gin = tiledKernelSource(ctx, convGradInputWgsl);
  const pipeline = ctx.pipeline({ label: `conv_grad_input-${gin.variant}`, code: gin.code, constants: { WG } });
  const plan = planChunks(ctx, 'conv grad-input', g.n, [
    { name: 'dx', channels: g.cIn, vol: inVol },
    { name: 'dy', channels: g.cOut, vol: outVol },
  ]);
  const [ciPer, coPer] = plan.channelsPer;
  const wBind = subBinding(ctx, w, 0, g.cOut * g.cIn * kVol).binding;
  for (const { b0, nb } of plan.batches) {
    for (const [ci0, nci] of ranges(g.cIn, ciPer)) {
      const dxSub = subBinding(ctx, dx, (b0 * g.cIn + ci0) * inVol, ((nb - 1) * g.cIn + nci) * inVol);
      ranges(g.cOut, coPer).forEach(([co0, nco], chunkIndex) => {
        const dySub = subBinding(ctx, dy, (b0 * g.cOut + co0) * outVol, ((nb - 1) * g.cOut + nco) * outVol);
        columnDispatches(ctx, nb * inVol, nci, (colOffset, groups) => {
          const params = packParams([
            ...geometryFields(g),
            nb, nci, nco,
            co0, ci0, g.cIn,
            dySub.base, g.cOut * outVol,
            dxSub.base, g.cIn * inVol,
            chunkIndex > 0 ? 2 : 0, colOffset,
          ]);
          ctx.dispatch(pipeline, params, [dySub.binding, wBind, dxSub.binding], groups);
        });
      });
    }
  }
}

/** Scratch buffers for the split-K partial sums of grad-weight, one per context, grown on demand. */
const scratchByContext = new WeakMap<GpuContext, GPUBuffer>();

function scratch(ctx: GpuContext, elements: number): GPUBuffer {
  const bytes = Math.max(256, elements * 4);
  let buf = scratchByContext.get(ctx);
  if (!buf || buf.size < bytes) {
    // Dispatches already recorded keep the old buffer alive until they have run (WebGPU keeps
    // referenced buffers valid until submit); destroy() would invalidate them, so let GC free it.
    buf = ctx.device.createBuffer({ label: 'conv-grad-weight-partials', size: Math.ceil(bytes / 65536) * 65536, usage: GPUBufferUsage.STORAGE });
    scratchByContext.set(ctx, buf);
  }
  return buf;
}

/** Number of split-K slices: enough workgroups to fill a GPU, within the scratch size limit. */
function chooseSplits(ctx: GpuContext, rowsTotal: number, tiles: number, blockElems: number): number {
  const target = Math.ceil(512 / Math.max(1, tiles));
  const byScratch = Math.floor(Math.min(maxChunkElements(ctx), 16 * 1024 * 1024) / Math.max(1, blockElems));
  return Math.max(1, Math.min(target, rowsTotal, byScratch, ctx.limits.maxComputeWorkgroupsPerDimension));
}

/**
 * Invocations per grad-weight workgroup (each covers 4 columns): the multiple of 8 in 32..64 whose
 * column tiles cover nCols with the least padding (576 -> 48, 432 -> 56), the largest on ties.
 */
export function gradWeightWorkgroupSize(nCols: number): number {
  let best = WG;
  let bestCover = Math.ceil(nCols / (4 * WG)) * 4 * WG;
  for (let wg = WG - 8; wg >= 32; wg -= 8) {
    const cover = Math.ceil(nCols / (4 * wg)) * 4 * wg;
    if (cover < bestCover) {
      best = wg;
      bestCover = cover;
    }
  }
  return best;
}

/** dw = sum over batch and space of dy (x) x. x [n, cIn, ...in], dy [n, cOut, ...out], dw [cOut, cIn, ...k]. */
export function encodeConvGradWeight(ctx: GpuContext, x: BufferBinding, dy: BufferBinding, dw: BufferBinding, geometry: ConvGeometry): void {
  const g = toGeometry3(geometry);
  const inVol = prod(g.inSize), outVol = prod(g.outSize), kVol = prod(g.kernel);
  checkBinding('conv grad-weight', 'x', x, g.n * g.cIn * inVol);
  checkBinding('conv grad-weight', 'dy', dy, g.n * g.cOut * outVol);
  checkBinding('conv grad-weight', 'dw', dw, g.cOut * g.cIn * kVol);
  checkWeights(ctx, 'conv grad-weight', g);
  const gw = tiledKernelSource(ctx, convGradWeightWgsl);
  const reduce = ctx.pipeline({ label: 'conv_grad_weight_reduce', code: gw.code, entryPoint: 'reduce', constants: { WG } });
  const plan = planChunks(ctx, 'conv grad-weight', g.n, [
    { name: 'x', channels: g.cIn, vol: inVol },
    { name: 'dy', channels: g.cOut, vol: outVol },
  ]);
  const [ciPer, coPer] = plan.channelsPer;
  const dwBind = subBinding(ctx, dw, 0, g.cOut * g.cIn * kVol).binding;
  const maxGroups = ctx.limits.maxComputeWorkgroupsPerDimension;
  plan.batches.forEach(({ b0, nb }, batchIndex) => {
    for (const [ci0, nci] of ranges(g.cIn, ciPer)) {
      const xSub = subBinding(ctx, x, (b0 * g.cIn + ci0) * inVol, ((nb - 1) * g.cIn + nci) * inVol);
      for (const [co0, nco] of ranges(g.cOut, coPer)) {
        const dySub = subBinding(ctx, dy, (b0 * g.cOut + co0) * outVol, ((nb - 1) * g.cOut + nco) * outVol);
        const nCols = nci * kVol;
        // The columns (cIn x taps) are few: pick the workgroup width that wastes the fewest.
        const wgCols = gradWeightWorkgroupSize(nCols);
        const main = ctx.pipeline({ label: `conv_grad_weight-${gw.variant}`, code: gw.code, entryPoint: 'main', constants: { WG: wgCols } });
        const colGroups = Math.ceil(nCols / (4 * wgCols));
        const rowGroups = Math.ceil(nco / TM);
        if (colGroups > maxGroups) throw new Error(`conv grad-weight: cIn*kernel volume ${nCols} needs more than ${maxGroups} workgroups`);
        const rowsTotal = nb * g.outSize[0] * g.outSize[1];
        const block = nco * nCols;
        const splits = chooseSplits(ctx, rowsTotal, colGroups * rowGroups, block);
        const rowsPerSplit = Math.ceil(rowsTotal / splits);
        const usedSplits = Math.ceil(rowsTotal / rowsPerSplit);
        const partials = scratch(ctx, usedSplits * block);
        const params = packParams([
          ...geometryFields(g),
          nb, nci, nco,
          co0, ci0, g.cIn,
          xSub.base, g.cIn * inVol,
          dySub.base, g.cOut * outVol,
          0, rowsPerSplit, usedSplits,
        ]);
        ctx.dispatch(main, params, [xSub.binding, dySub.binding, { buffer: partials, offset: 0, size: Math.max(4, usedSplits * block * 4) }], [colGroups, rowGroups, usedSplits]);
        const reduceGroups = Math.ceil(block / WG);
        const gx = Math.min(reduceGroups, maxGroups);
        const gy = Math.ceil(reduceGroups / gx);
        const reduceParams = packParams([nco, nci, kVol, usedSplits, co0, ci0, g.cIn, batchIndex > 0 ? 2 : 0, gx * WG]);
        ctx.dispatch(reduce, reduceParams, [{ buffer: partials, offset: 0, size: Math.max(4, usedSplits * block * 4) }, dwBind], [gx, gy, 1]);
      }
    }
  });
}

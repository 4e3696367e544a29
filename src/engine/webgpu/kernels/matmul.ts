/**
 * WebGPU batched matmul (f32), same parameters as matmulCpu. Records dispatches into ctx only.
 *
 * Tensors above maxStorageBufferBindingSize are handled by binding one chunk of batch items at a
 * time (a, b and out each bound from an aligned address with an element base), and, when a
 * single batch item of a or out is too large, chunks of rows of a / out (only for a not transposed).
 */
import matmulWgsl from '../../../../kernels/matmul.wgsl?raw';
import matmulVec4Wgsl from '../../../../kernels/matmul_vec4.wgsl?raw';
import type { BufferBinding, GpuContext } from '../context';
import { checkMatmulParams, type MatmulParams } from '../../cpu/matmul';
import { bindingElements, maxChunkElements, packParams, ranges, subBinding, tiledKernelSource } from './conv_common';

/** Rows per invocation (TM in matmul.wgsl) and invocations per workgroup. */
const TM = 16;
const WG = 64;
const COLS_PER_GROUP = 4 * WG;

export function encodeMatmul(ctx: GpuContext, a: BufferBinding, b: BufferBinding, out: BufferBinding, p: MatmulParams): void {
  checkMatmulParams(bindingElements(a), bindingElements(b), p);
  const { batch, m, k, n } = p;
  if (bindingElements(out) < batch * m * n) {
    throw new Error(`matmul: out holds ${bindingElements(out)} elements, needs batch*m*n = ${batch * m * n}`);
  }
  if (batch === 0 || m === 0 || n === 0) return;
  const scalar = tiledKernelSource(ctx, matmulWgsl);
  const vec4 = tiledKernelSource(ctx, matmulVec4Wgsl);
  const scalarPipeline = ctx.pipeline({ label: `matmul-${scalar.variant}`, code: scalar.code, constants: { WG } });
  const maxElems = maxChunkElements(ctx);
  const itemA = m * k, itemB = k * n, itemC = m * n;
  if (itemB > maxElems) {
    throw new Error(`matmul: one batch item of b (${k}x${n} = ${itemB} elements) exceeds maxStorageBufferBindingSize; split k or n`);
  }
  // Batch items per chunk, and rows per chunk when one item is too big.
  const perBatch = Math.max(1, Math.min(Math.floor(maxElems / Math.max(itemA, 1)), Math.floor(maxElems / itemB), Math.floor(maxElems / itemC)));
  let rowsPerChunk = m;
  if (itemA > maxElems || itemC > maxElems) {
    if (p.transA) throw new Error(`matmul: a transposed with one batch item (${k}x${m}) above maxStorageBufferBindingSize is not supported`);
    rowsPerChunk = Math.floor(maxElems / Math.max(k, n));
    if (rowsPerChunk < 1) throw new Error(`matmul: a single row of a or out exceeds maxStorageBufferBindingSize (k=${k}, n=${n})`);
    rowsPerChunk = Math.max(TM, Math.floor(rowsPerChunk / TM) * TM);
  }
  const [aRow, aCol] = p.transA ? [1, m] : [k, 1];
  const [bRow, bCol] = p.transB ? [1, k] : [n, 1];
  const maxGroups = ctx.limits.maxComputeWorkgroupsPerDimension;
  const batchChunks = rowsPerChunk < m ? ranges(batch, 1) : ranges(batch, perBatch);
  for (const [b0, nb] of batchChunks) {
    if (nb > maxGroups) throw new Error(`matmul: batch ${nb} exceeds maxComputeWorkgroupsPerDimension`);
    for (const [r0, nr] of ranges(m, rowsPerChunk)) {
      // Rows [r0, r0+nr) of a (not transposed) and out: contiguous within a batch item.
      const aSub = rowsPerChunk < m ? subBinding(ctx, a, b0 * itemA + r0 * k, nr * k) : subBinding(ctx, a, b0 * itemA, nb * itemA);
      const bSub = subBinding(ctx, b, b0 * itemB, nb * itemB);
      const cSub = rowsPerChunk < m ? subBinding(ctx, out, b0 * itemC + r0 * n, nr * n) : subBinding(ctx, out, b0 * itemC, nb * itemC);
      const colGroups = Math.ceil(n / COLS_PER_GROUP);
      const rowGroups = Math.ceil(nr / TM);
      if (rowGroups > maxGroups) throw new Error(`matmul: m=${m} needs more than ${maxGroups} row workgroups`);
      for (let g0 = 0; g0 < colGroups; g0 += maxGroups) {
        const groups = Math.min(maxGroups, colGroups - g0);
        const params = packParams([
          nr, k, n,
          aSub.base, itemA, aRow, aCol,
          bSub.base, itemB, bRow, bCol,
          cSub.base, itemC,
          g0 * COLS_PER_GROUP,
        ]);
        // B read as vec4 (4 adjacent columns per invocation) when every B offset is a multiple of 4.
        const useVec4 = !p.transB && n % 4 === 0 && bSub.base % 4 === 0;
        const pipeline = useVec4
          ? ctx.pipeline({ label: `matmul-vec4-${vec4.variant}`, code: vec4.code, constants: { WG } })
          : scalarPipeline;
        ctx.dispatch(pipeline, params, [aSub.binding, bSub.binding, cSub.binding], [groups, rowGroups, nb]);
      }
    }
  }
}

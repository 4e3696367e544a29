/**
 * Bridge to the matmul and convolution kernels (src/engine/webgpu/kernels/, written separately):
 * the WebGPU backend calls these. They record dispatches into the GpuContext and handle tensors
 * above the binding limit themselves.
 */
import type { ConvGeometry } from '../cpu/conv';
import type { MatmulParams } from '../cpu/matmul';
import type { BufferBinding, GpuContext } from './context';
import { encodeMatmul } from './kernels/matmul';

export function encodeMatmulOp(ctx: GpuContext, a: BufferBinding, b: BufferBinding, out: BufferBinding, p: MatmulParams): void {
  encodeMatmul(ctx, a, b, out, p);
}

export function encodeConvForwardOp(_ctx: GpuContext, _x: BufferBinding, _w: BufferBinding, _bias: BufferBinding | null, _y: BufferBinding, _g: ConvGeometry): void {
  throw new Error('WebGPU conv kernel not available yet (src/engine/webgpu/kernels/conv.ts)');
}

export function encodeConvGradInputOp(_ctx: GpuContext, _dy: BufferBinding, _w: BufferBinding, _dx: BufferBinding, _g: ConvGeometry): void {
  throw new Error('WebGPU conv kernel not available yet (src/engine/webgpu/kernels/conv.ts)');
}

export function encodeConvGradWeightOp(_ctx: GpuContext, _x: BufferBinding, _dy: BufferBinding, _dw: BufferBinding, _g: ConvGeometry): void {
  throw new Error('WebGPU conv kernel not available yet (src/engine/webgpu/kernels/conv.ts)');
}

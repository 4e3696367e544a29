/**
 * Bridge to the matmul and convolution kernels (src/engine/webgpu/kernels/, written separately):
 * the WebGPU backend calls these. They record dispatches into the GpuContext and handle tensors
 * above the binding limit themselves.
 */
import type { ConvGeometry } from '../cpu/conv';
import type { MatmulParams } from '../cpu/matmul';
import type { BufferBinding, GpuContext } from './context';

export function encodeMatmulOp(_ctx: GpuContext, _a: BufferBinding, _b: BufferBinding, _out: BufferBinding, _p: MatmulParams): void {
  throw new Error('WebGPU matmul kernel not available yet (src/engine/webgpu/kernels/matmul.ts)');
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

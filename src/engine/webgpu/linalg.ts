/**
 * Bridge to the matmul and convolution kernels (src/engine/webgpu/kernels/): the WebGPU backend
 * calls these. They record dispatches into the GpuContext and handle tensors above the binding
 * limit themselves.
 */
export { encodeMatmul as encodeMatmulOp } from './kernels/matmul';
export {
  encodeConvForward as encodeConvForwardOp,
  encodeConvGradInput as encodeConvGradInputOp,
  encodeConvGradWeight as encodeConvGradWeightOp,
} from './kernels/conv';

/** Element types. float64 exists on the CPU backend only (gradient checks); WebGPU stores float32. */
export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

export function arrayFor(dtype: DType, size: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

export function bytesPer(dtype: DType): number {
  return dtype === 'float64' ? 8 : 4;
}

/**
 * NdArray: the array type the transforms work on. C order (last axis fastest), as the numpy arrays
 * ivadomed's transforms receive: a 2D slice is [H, W] (data[h * W + w], the layout of extractSlice),
 * a 3D volume or patch is [H, W, D]. Multi-channel inputs are lists of NdArrays (channel first).
 */
export interface NdArray {
  data: Float32Array;
  shape: number[];
}

export function ndarray(data: Float32Array | number[], shape: number[]): NdArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const arr = data instanceof Float32Array ? data : Float32Array.from(data);
  if (arr.length !== n) throw new Error(`ndarray: ${arr.length} values do not fill shape [${shape.join(', ')}] (${n} values).`);
  return { data: arr, shape: shape.slice() };
}

export function zeros(shape: number[]): NdArray {
  return { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape: shape.slice() };
}

export function cloneArray(a: NdArray): NdArray {
  return { data: a.data.slice(), shape: a.shape.slice() };
}

/** The array seen as 3D: ivadomed's two_dim_compatible adds a depth axis of 1 to 2D arrays. */
export function dims3(a: NdArray): [number, number, number] {
  if (a.shape.length === 2) return [a.shape[0], a.shape[1], 1];
  if (a.shape.length === 3) return [a.shape[0], a.shape[1], a.shape[2]];
  throw new Error(`transforms work on 2D [H, W] or 3D [H, W, D] arrays, got shape [${a.shape.join(', ')}].`);
}

/** Back from a 3D shape to the array's own rank (drops the added depth of 2D arrays). */
export function withRank(a: NdArray, data: Float32Array, shape3: [number, number, number]): NdArray {
  return { data, shape: a.shape.length === 2 ? [shape3[0], shape3[1]] : shape3.slice() };
}

/** Python's round(): halves go to the even neighbour (ivadomed's CenterCrop and DilateGT use it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

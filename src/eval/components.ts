/**
 * Connected-component labelling and hole filling on 3-D binary masks (x fastest, NIfTI order).
 *
 * Connectivity follows scipy.ndimage's structuring elements, which ivadomed uses:
 *   6  = generate_binary_structure(3, 1) (faces; scipy's default for `label`),
 *   18 = generate_binary_structure(3, 2) (faces + edges; ivadomed's choice for objects),
 *   26 = ones((3, 3, 3)) (used by ivadomed's fill_holes).
 * Labels are numbered 1..n in the order scipy numbers them: by first appearance in a C-order scan of
 * the (X, Y, Z) array (z fastest). That order decides ties (e.g. keep_largest keeps the first of two
 * equal objects) and the "max label" lookups in the evaluation, so it is reproduced exactly.
 */

export type Dims3 = readonly [number, number, number];
export type Connectivity = 6 | 18 | 26;

export interface Labelling {
  /** Label per voxel (0 = background), x fastest. */
  labels: Int32Array;
  /** Number of components. */
  count: number;
  /** sizes[l] = voxel count of label l (sizes[0] = 0). */
  sizes: Int32Array;
}

/** Neighbour offsets that precede a voxel in an x-fastest raster scan, for a connectivity. */
function backwardOffsets(conn: Connectivity): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const manhattan = Math.abs(dx) + Math.abs(dy) + Math.abs(dz);
        if (manhattan === 0) continue;
        if (conn === 6 && manhattan > 1) continue;
        if (conn === 18 && manhattan > 2) continue;
        const before = dz < 0 || (dz === 0 && (dy < 0 || (dy === 0 && dx < 0)));
        if (before) out.push([dx, dy, dz]);
      }
  return out;
}

export function checkDims(dims: Dims3, length: number, what: string): number {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  if (!(Number.isInteger(nx) && Number.isInteger(ny) && Number.isInteger(nz)) || nx < 1 || ny < 1 || nz < 1) {
    throw new Error(`${what}: dims must be three positive integers, got [${dims.join(', ')}]`);
  }
  if (length < n) {
    throw new Error(`${what}: array has ${length} values but dims [${dims.join(', ')}] need ${n}`);
  }
  return n;
}

/**
 * Label the voxels where `isForeground(value)` holds (default: value != 0, as scipy treats any
 * non-zero value as foreground).
 */
export function labelComponents(
  mask: ArrayLike<number>,
  dims: Dims3,
  connectivity: Connectivity = 18,
  threshold?: { above: number },
): Labelling {
  const n = checkDims(dims, mask.length, 'labelComponents');
  const [nx, ny, nz] = dims;
  const fg = new Uint8Array(n);
  if (threshold) {
    const t = threshold.above;
    for (let v = 0; v < n; v++) fg[v] = mask[v] > t ? 1 : 0;
  } else {
    for (let v = 0; v < n; v++) fg[v] = mask[v] !== 0 ? 1 : 0;
  }
  return labelBinary(fg, dims, connectivity, nx, ny, nz);
}

function labelBinary(fg: Uint8Array, _dims: Dims3, connectivity: Connectivity, nx: number, ny: number, nz: number): Labelling {
  const n = nx * ny * nz;
  const parent = new Int32Array(n).fill(-1);
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  const offs = backwardOffsets(connectivity);
  const nOff = offs.length;
  const odx = new Int32Array(nOff), ody = new Int32Array(nOff), odz = new Int32Array(nOff), od = new Int32Array(nOff);
  for (let o = 0; o < nOff; o++) {
    odx[o] = offs[o][0]; ody[o] = offs[o][1]; odz[o] = offs[o][2];
    od[o] = offs[o][0] + nx * (offs[o][1] + ny * offs[o][2]);
  }
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        if (!fg[v]) continue;
        parent[v] = v;
        for (let o = 0; o < nOff; o++) {
          const ii = i + odx[o], jj = j + ody[o], kk = k + odz[o];
          if (ii < 0 || ii >= nx || jj < 0 || jj >= ny || kk < 0) continue;
          const w = v + od[o];
          if (!fg[w]) continue;
          const ra = find(v), rb = find(w);
          if (ra !== rb) {
            if (ra < rb) parent[rb] = ra;
            else parent[ra] = rb;
          }
        }
      }
  // Provisional ids in x-fastest order, then renumber by each component's first C-order position.
  const prov = new Int32Array(n); // provisional id + 1 of each root
  let count = 0;
  const minKey: number[] = [];
  const labels = new Int32Array(n);
  v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        if (!fg[v]) continue;
        const r = find(v);
        let id = prov[r];
        if (id === 0) {
          id = prov[r] = ++count;
          minKey.push(Infinity);
        }
        const key = (i * ny + j) * nz + k;
        if (key < minKey[id - 1]) minKey[id - 1] = key;
        labels[v] = id;
      }
  const order = Array.from({ length: count }, (_, a) => a).sort((a, b) => minKey[a] - minKey[b]);
  const remap = new Int32Array(count + 1);
  for (let r = 0; r < count; r++) remap[order[r] + 1] = r + 1;
  const sizes = new Int32Array(count + 1);
  for (let w = 0; w < n; w++) {
    const l = labels[w];
    if (l) {
      const m = remap[l];
      labels[w] = m;
      sizes[m]++;
    }
  }
  return { labels, count, sizes };
}

/** Offsets (dx, dy, dz) of a full neighbourhood for a connectivity. */
function neighbourOffsets(conn: Connectivity): Array<[number, number, number]> {
  const back = backwardOffsets(conn);
  return back.concat(back.map(([a, b, c]) => [-a, -b, -c] as [number, number, number]));
}

/**
 * scipy.ndimage.binary_fill_holes(mask, structure): background voxels that cannot reach the image
 * border through background (moving with `connectivity`) become foreground. ivadomed calls it with
 * ones((3,3,3)), i.e. connectivity 26, on each class of the 3-D prediction.
 */
export function fillHoles(mask: ArrayLike<number>, dims: Dims3, connectivity: Connectivity = 26): Uint8Array {
  return fillHolesImpl(mask, dims, connectivity, false);
}

/** planar: treat each z slice as a 2-D image (no z neighbours, the z faces are not a border). */
function fillHolesImpl(mask: ArrayLike<number>, dims: Dims3, connectivity: Connectivity, planar: boolean): Uint8Array {
  const n = checkDims(dims, mask.length, 'fillHoles');
  const [nx, ny, nz] = dims;
  const outside = new Uint8Array(n); // 1 = background reachable from the border
  const stack = new Int32Array(n);
  let top = 0;
  for (let k = 0, v = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        if (mask[v] !== 0) continue;
        const zBorder = !planar && (k === 0 || k === nz - 1);
        if (i === 0 || j === 0 || i === nx - 1 || j === ny - 1 || zBorder) {
          outside[v] = 1;
          stack[top++] = v;
        }
      }
  const offs = neighbourOffsets(connectivity).filter(([, , dz]) => !planar || dz === 0);
  const nxy = nx * ny;
  while (top > 0) {
    const v = stack[--top];
    const k = Math.floor(v / nxy), rem = v - k * nxy, j = Math.floor(rem / nx), i = rem - j * nx;
    for (const [dx, dy, dz] of offs) {
      const ii = i + dx, jj = j + dy, kk = k + dz;
      if (ii < 0 || ii >= nx || jj < 0 || jj >= ny || kk < 0 || kk >= nz) continue;
      const w = ii + nx * (jj + ny * kk);
      if (outside[w] || mask[w] !== 0) continue;
      outside[w] = 1;
      stack[top++] = w;
    }
  }
  const out = new Uint8Array(n);
  for (let v = 0; v < n; v++) out[v] = outside[v] ? 0 : 1;
  return out;
}

/**
 * 2-D variant: scipy's binary_fill_holes on each z slice with ones((3,3)) (8-connected background).
 * Not what ivadomed's postprocessing does (it fills in 3-D); offered for slice-wise models.
 */
export function fillHolesPerSlice(mask: ArrayLike<number>, dims: Dims3): Uint8Array {
  return fillHolesImpl(mask, dims, 26, true);
}

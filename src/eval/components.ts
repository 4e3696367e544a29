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
  const parent = new Int32Array(n); // only read for foreground voxels, which set it first
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

/**
 * planar: treat each z slice as a 2-D image (no z neighbours, the z faces are not a border).
 * The flood fill runs on the foreground's bounding box grown by one voxel: every background voxel
 * outside that box reaches the image border, so the box's outer layer can seed the fill and the
 * result is identical to a fill of the whole image, at a fraction of the cost.
 */
function fillHolesImpl(mask: ArrayLike<number>, dims: Dims3, connectivity: Connectivity, planar: boolean): Uint8Array {
  const n = checkDims(dims, mask.length, 'fillHoles');
  const [nx, ny, nz] = dims;
  const out = new Uint8Array(n);
  // Bounding box of the foreground.
  let x0 = nx, x1 = -1, y0 = ny, y1 = -1, z0 = nz, z1 = -1;
  for (let k = 0, v = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        if (mask[v] === 0) continue;
        out[v] = 1;
        if (i < x0) x0 = i; if (i > x1) x1 = i;
        if (j < y0) y0 = j; if (j > y1) y1 = j;
        if (k < z0) z0 = k; if (k > z1) z1 = k;
      }
  if (x1 < 0) return out;
  x0 = Math.max(0, x0 - 1); y0 = Math.max(0, y0 - 1); x1 = Math.min(nx - 1, x1 + 1); y1 = Math.min(ny - 1, y1 + 1);
  if (!planar) { z0 = Math.max(0, z0 - 1); z1 = Math.min(nz - 1, z1 + 1); }
  const bx = x1 - x0 + 1, by = y1 - y0 + 1, bz = z1 - z0 + 1, bxy = bx * by;
  const nb = bxy * bz;
  // Box-local state: 1 = foreground, 2 = background reached from the border.
  const state = new Uint8Array(nb);
  for (let k = 0, w = 0; k < bz; k++)
    for (let j = 0; j < by; j++) {
      const base = x0 + nx * (y0 + j + ny * (z0 + k));
      for (let i = 0; i < bx; i++, w++) if (mask[base + i] !== 0) state[w] = 1;
    }
  const offs = neighbourOffsets(connectivity).filter(([, , dz]) => !planar || dz === 0);
  const nOff = offs.length;
  const odx = Int32Array.from(offs, (o) => o[0]), ody = Int32Array.from(offs, (o) => o[1]), odz = Int32Array.from(offs, (o) => o[2]);
  const od = Int32Array.from(offs, (o) => o[0] + bx * (o[1] + by * o[2]));
  const stack = new Int32Array(nb);
  let top = 0;
  for (let k = 0, w = 0; k < bz; k++)
    for (let j = 0; j < by; j++)
      for (let i = 0; i < bx; i++, w++) {
        if (state[w] !== 0) continue;
        const zBorder = !planar && (k === 0 || k === bz - 1);
        if (i === 0 || j === 0 || i === bx - 1 || j === by - 1 || zBorder) { state[w] = 2; stack[top++] = w; }
      }
  while (top > 0) {
    const w = stack[--top];
    const k = (w / bxy) | 0, rem = w - k * bxy, j = (rem / bx) | 0, i = rem - j * bx;
    const interior = i > 0 && j > 0 && i < bx - 1 && j < by - 1 && (planar || (k > 0 && k < bz - 1));
    for (let o = 0; o < nOff; o++) {
      if (!interior) {
        const ii = i + odx[o], jj = j + ody[o], kk = k + odz[o];
        if (ii < 0 || ii >= bx || jj < 0 || jj >= by || kk < 0 || kk >= bz) continue;
      }
      const u = w + od[o];
      if (state[u] !== 0) continue;
      state[u] = 2;
      stack[top++] = u;
    }
  }
  // Unreached background inside the box is a hole.
  for (let k = 0, w = 0; k < bz; k++)
    for (let j = 0; j < by; j++) {
      const base = x0 + nx * (y0 + j + ny * (z0 + k));
      for (let i = 0; i < bx; i++, w++) if (state[w] === 0) out[base + i] = 1;
    }
  return out;
}

/**
 * 2-D variant: scipy's binary_fill_holes on each z slice with ones((3,3)) (8-connected background).
 * Not what ivadomed's postprocessing does (it fills in 3-D); offered for slice-wise models.
 */
export function fillHolesPerSlice(mask: ArrayLike<number>, dims: Dims3): Uint8Array {
  return fillHolesImpl(mask, dims, 26, true);
}

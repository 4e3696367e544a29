// Batched matrix multiplication C[b] = A[b] · B[b], register-tiled (f32): the vec4 variant of
// matmul.wgsl for B not transposed with n, the B offsets and strides all multiples of 4. Each
// invocation's 4 columns are adjacent and read as one vec4 (one bounds check and one address per
// lane instead of four: 1.5x faster on lavapipe). Otherwise identical to matmul.wgsl.
//
//
// Each invocation computes TM rows x 4 columns of C. The TM rows are the same for the whole
// workgroup (they come from workgroup_id.y), so every A value is read by all invocations at once
// (a broadcast on GPUs, one cache line on CPU drivers); the 4 columns of an invocation are WG apart
// so that neighbouring invocations read neighbouring B and C addresses (coalesced). No workgroup
// memory: on software Vulkan (lavapipe) a workgroup-memory read costs as much as a storage read and
// barriers are expensive, and on GPUs the A broadcast and B coalescing already hit the cache.
// Transposes are strides: A[i, t] = a[aBase + i*aRow + t*aCol], B[t, j] = b[bBase + t*bRow + j*bCol].

const TM: u32 = 16u;
override WG: u32 = 64u;

struct Params {
  m: u32, k: u32, n: u32,
  aBase: u32, aBatch: u32, aRow: u32, aCol: u32,
  bBase: u32, bBatch: u32, bRow: u32, bCol: u32,
  cBase: u32, cBatch: u32,
  // First column handled by this dispatch (dispatches are split when n needs > 65535 workgroups).
  colOffset: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
// A is the row operand of the tile (named rowsBuf for the shared loadRows()).
@group(0) @binding(1) var<storage, read> rowsBuf: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// One step of the reduction: acc += A[rows, t] (x) B[t, 4 columns].
fn kStep(acc: ptr<function, array<vec4<f32>, TM>>, aRows: ptr<function, array<u32, TM>>, mine: ptr<function, array<u32, TM / 8u>>, aOff: u32, bOff: u32) {
  let bv = b[bOff];
  let av = loadRows(aRows, mine, aOff);
  for (var i = 0u; i < TM; i++) {
    (*acc)[i] = fma(vec4<f32>(av[i]), bv, (*acc)[i]);
  }
}

// Entry point `main` and loadRows() come from tile_rows_plain.wgsl or tile_rows_subgroups.wgsl.
fn run(wg: vec3<u32>, lid: vec3<u32>, lane: u32) {
  let batch = wg.z;
  let row0 = wg.y * TM;
  let colBase = p.colOffset + wg.x * (4u * WG) + 4u * lid.x;
  let cols = vec4<u32>(colBase, colBase + 1u, colBase + 2u, colBase + 3u);
  let colOk = cols < vec4<u32>(p.n);
  // Out-of-range columns read column 0 (always valid) and are never stored.
  // n is a multiple of 4, so the 4 columns are all valid or all out of range.
  let safeCol = select(0u, colBase, colOk.x);
  // In vec4 units (bBase, bBatch, bRow are multiples of 4; bCol is 1).
  let bCols = (p.bBase + batch * p.bBatch + safeCol) / 4u;
  let bStep = p.bRow / 4u;
  // Rows past m read row m-1 and are never stored.
  var aRows: array<u32, TM>;
  for (var i = 0u; i < TM; i++) {
    aRows[i] = p.aBase + batch * p.aBatch + min(row0 + i, p.m - 1u) * p.aRow;
  }
  // Offsets of the rows this lane loads in the subgroup variant (unused by the plain one).
  var mine: array<u32, TM / 8u>;
  for (var q = 0u; q < TM / 8u; q++) {
    mine[q] = aRows[(lane % 8u) + 8u * q];
  }
  var acc: array<vec4<f32>, TM>;
  // Unrolled by 4: on CPU drivers each loop iteration has a fixed masking cost.
  var bOff = bCols;
  var aOff = 0u;
  let k4 = p.k & ~3u;
  var t = 0u;
  for (; t < k4; t += 4u) {
    kStep(&acc, &aRows, &mine, aOff, bOff);
    kStep(&acc, &aRows, &mine, aOff + p.aCol, bOff + bStep);
    kStep(&acc, &aRows, &mine, aOff + 2u * p.aCol, bOff + 2u * bStep);
    kStep(&acc, &aRows, &mine, aOff + 3u * p.aCol, bOff + 3u * bStep);
    aOff += 4u * p.aCol;
    bOff += 4u * bStep;
  }
  for (; t < p.k; t++) {
    kStep(&acc, &aRows, &mine, aOff, bOff);
    aOff += p.aCol;
    bOff += bStep;
  }

  let cRow = p.cBase + batch * p.cBatch;
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row < p.m) {
      let o = cRow + row * p.n;
      if (colOk.x) { c[o + cols.x] = acc[i].x; }
      if (colOk.y) { c[o + cols.y] = acc[i].y; }
      if (colOk.z) { c[o + cols.z] = acc[i].z; }
      if (colOk.w) { c[o + cols.w] = acc[i].w; }
    }
  }
}

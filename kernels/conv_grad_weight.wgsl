// Convolution grad-weight as a split-K implicit GEMM (f32), then a reduce pass.
//   dw[co, ci, kd, kh, kw] = sum over (b, o) of dy[b, co, o] * x[b, ci, o*s - p + k*d]
// GEMM view: rows = output channels, columns = (input channel, tap), reduction = batch x output
// positions, which is huge while rows x columns is small: so the reduction is split over
// workgroup_id.z ("splits"), each split summing a range of output rows (b, od, oh) into its own
// slice of a scratch buffer [splits, cOut, cIn * kVol]; `reduce` then sums the slices into dw.
//
// Register tiling: TM output channels (uniform per workgroup, so dy reads are broadcasts) x 4
// columns WG apart. Chunking: cIn / cOut channels from global wCiStart / wCoStart, x and dy bound
// with element bases; reduce accumulates into dw (flags bit 1) for batch chunks after the first.

const TM: u32 = 16u;
override WG: u32 = 64u;

struct Params {
  inD: i32, inH: i32, inW: i32,
  outD: u32, outH: u32, outW: u32,
  kD: u32, kH: u32, kW: u32,
  sD: i32, sH: i32, sW: i32,
  pD: i32, pH: i32, pW: i32,
  dD: i32, dH: i32, dW: i32,
  nb: u32, cIn: u32, cOut: u32,
  wCoStart: u32, wCiStart: u32, wCiTotal: u32,
  xBase: u32, xBatch: u32,
  dyBase: u32, dyBatch: u32,
  flags: u32,
  // Output rows (b, od, oh) per split, and number of splits.
  rowsPerSplit: u32, splits: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
// dy is the row operand of the tile (named rowsBuf for the shared loadRows()).
@group(0) @binding(2) var<storage, read> rowsBuf: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;

// Entry point `main` and loadRows() come from tile_rows_plain.wgsl or tile_rows_subgroups.wgsl.
fn run(wg: vec3<u32>, lid: vec3<u32>, lane: u32) {
  let inHW = p.inH * p.inW;
  let inVol = p.inD * inHW;
  let outVol = p.outD * p.outH * p.outW;
  let kHW = p.kH * p.kW;
  let kVol = p.kD * kHW;
  let nCols = p.cIn * kVol;

  let colBase = wg.x * (4u * WG) + lid.x;
  let cols = vec4<u32>(colBase, colBase + WG, colBase + 2u * WG, colBase + 3u * WG);
  let colOk = cols < vec4<u32>(nCols);
  let safe = select(vec4<u32>(0u), cols, colOk);
  let ci = safe / vec4<u32>(kVol);
  let tap = safe - ci * kVol;
  let kd = tap / vec4<u32>(kHW);
  let kr = tap - kd * kHW;
  let kh = kr / vec4<u32>(p.kW);
  let kw = kr - kh * p.kW;
  let offD = vec4<i32>(kd) * p.dD - p.pD;
  let offH = vec4<i32>(kh) * p.dH - p.pH;
  let offW = vec4<i32>(kw) * p.dW - p.pW;
  let xc = vec4<i32>(p.xBase + ci * u32(inVol));

  let row0 = wg.y * TM;
  var dyRows: array<u32, TM>;
  for (var i = 0u; i < TM; i++) {
    dyRows[i] = p.dyBase + min(row0 + i, p.cOut - 1u) * outVol;
  }
  // Offsets of the rows this lane loads in the subgroup variant (unused by the plain one).
  var mine: array<u32, TM / 8u>;
  for (var q = 0u; q < TM / 8u; q++) {
    mine[q] = dyRows[(lane % 8u) + 8u * q];
  }

  let split = wg.z;
  let rowsTotal = p.nb * p.outD * p.outH;
  let rStart = split * p.rowsPerSplit;
  let rEnd = min(rStart + p.rowsPerSplit, rowsTotal);
  var acc: array<vec4<f32>, TM>;
  for (var r = rStart; r < rEnd; r++) {
    let b = r / (p.outD * p.outH);
    let rr = r - b * p.outD * p.outH;
    let od = rr / p.outH;
    let oh = rr - od * p.outH;
    let idv = i32(od) * p.sD + offD;
    let ihv = i32(oh) * p.sH + offH;
    let okRow = (idv >= vec4<i32>(0)) & (idv < vec4<i32>(p.inD)) & (ihv >= vec4<i32>(0)) & (ihv < vec4<i32>(p.inH));
    let rowOff = xc + i32(b * p.xBatch) + (idv * p.inH + ihv) * p.inW;
    let dyRow = b * p.dyBatch + (od * p.outH + oh) * p.outW;
    for (var ow = 0u; ow < p.outW; ow++) {
      let iwv = i32(ow) * p.sW + offW;
      let ok = okRow & (iwv >= vec4<i32>(0)) & (iwv < vec4<i32>(p.inW));
      let idx = vec4<u32>(select(vec4<i32>(0), rowOff + iwv, ok));
      let xv = select(vec4<f32>(0.0), vec4<f32>(x[idx.x], x[idx.y], x[idx.z], x[idx.w]), ok);
      let dv = loadRows(&dyRows, &mine, dyRow + ow);
      for (var i = 0u; i < TM; i++) {
        acc[i] = fma(vec4<f32>(dv[i]), xv, acc[i]);
      }
    }
  }

  let sliceBase = split * p.cOut * nCols;
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row < p.cOut) {
      let o = sliceBase + row * nCols + cols;
      if (colOk.x) { partial[o.x] = acc[i].x; }
      if (colOk.y) { partial[o.y] = acc[i].y; }
      if (colOk.z) { partial[o.z] = acc[i].z; }
      if (colOk.w) { partial[o.w] = acc[i].w; }
    }
  }
}

struct ReduceParams {
  cOut: u32, cIn: u32, kVol: u32, splits: u32,
  wCoStart: u32, wCiStart: u32, wCiTotal: u32, flags: u32,
  rowStride: u32,
}

@group(0) @binding(0) var<uniform> rp: ReduceParams;
@group(0) @binding(1) var<storage, read> parts: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;

// One invocation per dw element of the block [cOut, cIn * kVol]: sums the split slices.
@compute @workgroup_size(WG)
fn reduce(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.y * rp.rowStride + gid.x;
  let nCols = rp.cIn * rp.kVol;
  let block = rp.cOut * nCols;
  if (e >= block) { return; }
  var s = 0.0;
  for (var k = 0u; k < rp.splits; k++) { s += parts[k * block + e]; }
  let co = e / nCols;
  let col = e - co * nCols;
  let o = ((rp.wCoStart + co) * rp.wCiTotal + rp.wCiStart) * rp.kVol + col;
  if ((rp.flags & 2u) != 0u) { dw[o] += s; } else { dw[o] = s; }
}

// Convolution forward as an implicit GEMM (f32), 2D run as 3D with depth 1.
//   y[b, co, o] = bias[co] + sum over (ci, kd, kh, kw) of w[co, ci, kd, kh, kw] * x[b, ci, o*s - p + k*d]
// GEMM view: rows = output channels (M), columns = output positions over the batch (N),
// reduction = input channels x kernel taps (K), with the im2col matrix never materialised.
//
// Register tiling: each invocation accumulates TM output channels x 4 output positions. The TM
// channels are shared by the workgroup (workgroup_id.y), so weight reads are uniform (broadcast);
// the 4 positions are WG apart so neighbouring invocations read neighbouring x and y elements.
// Padding is a bounds test per tap, never a padded copy. Bias is fused into the epilogue.
//
// Chunking (tensors above maxStorageBufferBindingSize): a dispatch sees nb batch items, cIn input
// channels starting at global channel wCiStart, and cOut output channels starting at wCoStart;
// x and y are bound from aligned addresses with element bases xBase / yBase. When input channels
// are split over dispatches, later ones accumulate (flags bit 1) and only the first adds the bias.

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
  yBase: u32, yBatch: u32,
  // bit 0: add bias; bit 1: accumulate into y instead of overwriting it.
  flags: u32,
  colOffset: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
// The weights are the row operand of the tile (named rowsBuf for the shared loadRows()).
@group(0) @binding(2) var<storage, read> rowsBuf: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// Entry point `main` and loadRows() come from tile_rows_plain.wgsl or tile_rows_subgroups.wgsl.
fn run(wg: vec3<u32>, lid: vec3<u32>, lane: u32) {
  let outHW = p.outH * p.outW;
  let outVol = p.outD * outHW;
  let inHW = p.inH * p.inW;
  let inVol = p.inD * inHW;
  let kVol = p.kD * p.kH * p.kW;

  let colBase = p.colOffset + wg.x * (4u * WG) + lid.x;
  let cols = vec4<u32>(colBase, colBase + WG, colBase + 2u * WG, colBase + 3u * WG);
  let colOk = cols < vec4<u32>(p.nb * outVol);
  let safe = select(vec4<u32>(0u), cols, colOk);
  let bIdx = safe / vec4<u32>(outVol);
  let sp = safe - bIdx * outVol;
  let od = sp / vec4<u32>(outHW);
  let rem = sp - od * outHW;
  let oh = rem / vec4<u32>(p.outW);
  let ow = rem - oh * p.outW;
  let id0 = vec4<i32>(od) * p.sD - p.pD;
  let ih0 = vec4<i32>(oh) * p.sH - p.pH;
  let iw0 = vec4<i32>(ow) * p.sW - p.pW;
  let xb = vec4<i32>(p.xBase + bIdx * p.xBatch);

  let row0 = wg.y * TM;
  var wRows: array<u32, TM>;
  for (var i = 0u; i < TM; i++) {
    // Rows past cOut read the last valid row and are never stored.
    wRows[i] = ((p.wCoStart + min(row0 + i, p.cOut - 1u)) * p.wCiTotal + p.wCiStart) * kVol;
  }
  // Offsets of the rows this lane loads in the subgroup variant (unused by the plain one).
  var mine: array<u32, TM / 8u>;
  for (var q = 0u; q < TM / 8u; q++) {
    mine[q] = wRows[(lane % 8u) + 8u * q];
  }

  // Taps outside, channels inside: the index and padding arithmetic of a tap is done once and
  // the innermost loop only steps both operands by one channel.
  var acc: array<vec4<f32>, TM>;
  var tap = 0u;
  for (var kd = 0u; kd < p.kD; kd++) {
    let idv = id0 + i32(kd) * p.dD;
    let okD = (idv >= vec4<i32>(0)) & (idv < vec4<i32>(p.inD));
    for (var kh = 0u; kh < p.kH; kh++) {
      let ihv = ih0 + i32(kh) * p.dH;
      let okDH = okD & (ihv >= vec4<i32>(0)) & (ihv < vec4<i32>(p.inH));
      let rowOff = xb + (idv * p.inH + ihv) * p.inW;
      for (var kw = 0u; kw < p.kW; kw++) {
        let iwv = iw0 + i32(kw) * p.dW;
        let ok = okDH & (iwv >= vec4<i32>(0)) & (iwv < vec4<i32>(p.inW));
        // Taps in the padding read the chunk's first elements (valid) and are zeroed.
        var xi = vec4<u32>(select(vec4<i32>(0), rowOff + iwv, ok));
        var wo = tap;
        for (var ci = 0u; ci < p.cIn; ci++) {
          let xv = select(vec4<f32>(0.0), vec4<f32>(x[xi.x], x[xi.y], x[xi.z], x[xi.w]), ok);
          let wv = loadRows(&wRows, &mine, wo);
          for (var i = 0u; i < TM; i++) {
            acc[i] = fma(vec4<f32>(wv[i]), xv, acc[i]);
          }
          xi += vec4<u32>(u32(inVol));
          wo += kVol;
        }
        tap++;
      }
    }
  }

  let yb = p.yBase + bIdx * p.yBatch + sp;
  let accumulate = (p.flags & 2u) != 0u;
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row < p.cOut) {
      var v = acc[i];
      if ((p.flags & 1u) != 0u) { v += vec4<f32>(bias[p.wCoStart + row]); }
      let o = yb + row * outVol;
      if (accumulate) {
        if (colOk.x) { y[o.x] += v.x; }
        if (colOk.y) { y[o.y] += v.y; }
        if (colOk.z) { y[o.z] += v.z; }
        if (colOk.w) { y[o.w] += v.w; }
      } else {
        if (colOk.x) { y[o.x] = v.x; }
        if (colOk.y) { y[o.y] = v.y; }
        if (colOk.z) { y[o.z] = v.z; }
        if (colOk.w) { y[o.w] = v.w; }
      }
    }
  }
}

// Convolution grad-input (transposed convolution) as a gather implicit GEMM (f32).
//   dx[b, ci, i] = sum over (co, kd, kh, kw) with i + p - k*d = o*s, 0 <= o < out
//                  of w[co, ci, kd, kh, kw] * dy[b, co, o]
// GEMM view: rows = input channels, columns = input positions over the batch, reduction =
// output channels x kernel taps. Each output element is written once (a gather, no atomics);
// a tap contributes only where i + p - k*d is a non-negative multiple of the stride below out.
// The stride test uses a float reciprocal (exact for the integer ranges of tensors: values
// below 2^20) because integer division does not vectorise on CPU drivers.
//
// Register tiling as in conv_forward.wgsl: TM input channels (uniform per workgroup) x 4 positions.
// Chunking: rows are cIn channels from global wCiStart; the reduction runs over cOut channels
// from global wCoStart; dy / dx are bound with element bases; flags bit 1 accumulates into dx.

const TM: u32 = 16u;
override WG: u32 = 64u;

struct Params {
  inD: u32, inH: u32, inW: u32,
  outD: i32, outH: i32, outW: i32,
  kD: u32, kH: u32, kW: u32,
  sD: i32, sH: i32, sW: i32,
  pD: i32, pH: i32, pW: i32,
  dD: i32, dH: i32, dW: i32,
  nb: u32, cIn: u32, cOut: u32,
  wCoStart: u32, wCiStart: u32, wCiTotal: u32,
  dyBase: u32, dyBatch: u32,
  dxBase: u32, dxBatch: u32,
  flags: u32,
  colOffset: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
// The weights are the row operand of the tile (named rowsBuf for the shared loadRows()).
@group(0) @binding(2) var<storage, read> rowsBuf: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

// o = t / s if t is a non-negative multiple of s with o < n, else -1.
fn strideIndex(t: vec4<i32>, s: i32, rcp: f32, n: i32) -> vec4<i32> {
  let q = vec4<i32>(floor((vec4<f32>(t) + 0.5) * rcp));
  let ok = (t >= vec4<i32>(0)) & (q * s == t) & (q < vec4<i32>(n));
  return select(vec4<i32>(-1), q, ok);
}

// Entry point `main` and loadRows() come from tile_rows_plain.wgsl or tile_rows_subgroups.wgsl.
fn run(wg: vec3<u32>, lid: vec3<u32>, lane: u32) {
  let inHW = p.inH * p.inW;
  let inVol = p.inD * inHW;
  let outHW = p.outH * p.outW;
  let outVol = p.outD * outHW;
  let kVol = p.kD * p.kH * p.kW;
  let rcpD = 1.0 / f32(p.sD);
  let rcpH = 1.0 / f32(p.sH);
  let rcpW = 1.0 / f32(p.sW);

  let colBase = p.colOffset + wg.x * (4u * WG) + lid.x;
  let cols = vec4<u32>(colBase, colBase + WG, colBase + 2u * WG, colBase + 3u * WG);
  let colOk = cols < vec4<u32>(p.nb * inVol);
  let safe = select(vec4<u32>(0u), cols, colOk);
  let bIdx = safe / vec4<u32>(inVol);
  let sp = safe - bIdx * inVol;
  let id = sp / vec4<u32>(inHW);
  let rem = sp - id * inHW;
  let ih = rem / vec4<u32>(p.inW);
  let iw = rem - ih * p.inW;
  let td = vec4<i32>(id) + p.pD;
  let th = vec4<i32>(ih) + p.pH;
  let tw = vec4<i32>(iw) + p.pW;
  let dyb = vec4<i32>(p.dyBase + bIdx * p.dyBatch);

  let row0 = wg.y * TM;
  var wRows: array<u32, TM>;
  for (var i = 0u; i < TM; i++) {
    wRows[i] = (p.wCiStart + min(row0 + i, p.cIn - 1u)) * kVol;
  }
  // Offsets of the rows this lane loads in the subgroup variant (unused by the plain one).
  var mine: array<u32, TM / 8u>;
  for (var q = 0u; q < TM / 8u; q++) {
    mine[q] = wRows[(lane % 8u) + 8u * q];
  }

  // Taps outside, output channels inside: the stride/dilation arithmetic of a tap is done once
  // and the innermost loop only steps both operands by one channel.
  var acc: array<vec4<f32>, TM>;
  let wCoStep = p.wCiTotal * kVol;
  var tap = 0u;
  for (var kd = 0u; kd < p.kD; kd++) {
    let qd = strideIndex(td - i32(kd) * p.dD, p.sD, rcpD, p.outD);
    for (var kh = 0u; kh < p.kH; kh++) {
      let qh = strideIndex(th - i32(kh) * p.dH, p.sH, rcpH, p.outH);
      let okDH = (qd >= vec4<i32>(0)) & (qh >= vec4<i32>(0));
      let rowOff = dyb + (qd * p.outH + qh) * p.outW;
      for (var kw = 0u; kw < p.kW; kw++) {
        let qw = strideIndex(tw - i32(kw) * p.dW, p.sW, rcpW, p.outW);
        let ok = okDH & (qw >= vec4<i32>(0));
        // Taps that hit no output read the chunk's first elements (valid) and are zeroed.
        var di = vec4<u32>(select(vec4<i32>(0), rowOff + qw, ok));
        var wo = p.wCoStart * wCoStep + tap;
        for (var co = 0u; co < p.cOut; co++) {
          let v = select(vec4<f32>(0.0), vec4<f32>(dy[di.x], dy[di.y], dy[di.z], dy[di.w]), ok);
          let wv = loadRows(&wRows, &mine, wo);
          for (var i = 0u; i < TM; i++) {
            acc[i] = fma(vec4<f32>(wv[i]), v, acc[i]);
          }
          di += vec4<u32>(u32(outVol));
          wo += wCoStep;
        }
        tap++;
      }
    }
  }

  let ob = p.dxBase + bIdx * p.dxBatch + sp;
  let accumulate = (p.flags & 2u) != 0u;
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row < p.cIn) {
      let v = acc[i];
      let o = ob + row * inVol;
      if (accumulate) {
        if (colOk.x) { dx[o.x] += v.x; }
        if (colOk.y) { dx[o.y] += v.y; }
        if (colOk.z) { dx[o.z] += v.z; }
        if (colOk.w) { dx[o.w] += v.w; }
      } else {
        if (colOk.x) { dx[o.x] = v.x; }
        if (colOk.y) { dx[o.y] = v.y; }
        if (colOk.z) { dx[o.z] = v.z; }
        if (colOk.w) { dx[o.w] = v.w; }
      }
    }
  }
}

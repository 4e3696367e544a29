// Strided copies. gather: out[i] = x[sum_d (start_d + idx_d * step_d) * in_stride_d], or `fill`
// where a coordinate leaves [0, bound_d): permute, slice, pad, flip and broadcast are all this.
// place: dst[sum_d (start_d + idx_d * step_d) * dst_stride_d] = src[i] (concat, slice backward).
// Offsets are u32 arithmetic modulo 2^32, so negative strides (flip) are passed as their bit patterns.
// Chunked dispatch (tensors above the binding limit): `base` is the first global element of the
// dispatched range, and the strided operand is bound from element `x_base` (its footprint).

override WG: u32 = 256u;
// The tensor rank, a pipeline constant so the index loops unroll with static array indices.
override RANK: u32 = 1u;

struct GatherParams {
  n: u32,
  row_stride: u32,
  rank: u32,
  base: u32,
  fill: f32,
  // First element of the bound range of the strided operand (x for gather, dst for place).
  x_base: u32,
  // Element offset of the dense operand (gather's output, place's source) inside its binding.
  y_shift: u32,
  // Constant offset of the strided operand (start coordinates of always-valid dims, folded in).
  offset: u32,
  shape: array<vec4<u32>, 2>,
  start: array<vec4<i32>, 2>,
  step: array<vec4<i32>, 2>,
  bound: array<vec4<i32>, 2>,
  stride: array<vec4<u32>, 2>,
  // Windowed mode (windowed != 0): only strided-operand offsets in [win_lo, win_hi) are read or
  // written; used when a transpose of a tensor above the binding limit has no compact footprint.
  win_lo: u32,
  win_hi: u32,
  windowed: u32,
  // gather: whether out-of-bounds (padding) elements are written in this dispatch.
  write_fill: u32,
}

fn in_window(off: u32) -> bool {
  return gp.windowed == 0u || (off >= gp.win_lo && off < gp.win_hi);
}

@group(0) @binding(0) var<uniform> gp: GatherParams;
@group(0) @binding(1) var<storage, read> gx: array<f32>;
@group(0) @binding(2) var<storage, read_write> gy: array<f32>;

@compute @workgroup_size(WG)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * gp.row_stride + gid.x;
  if (i >= gp.n) {
    return;
  }
  var rem = gp.base + i;
  var off = gp.offset;
  var valid = true;
  for (var d = i32(RANK) - 1; d >= 0; d--) {
    let k = u32(d);
    let extent = gp.shape[k >> 2u][k & 3u];
    let c = i32(rem % extent);
    rem = rem / extent;
    let coord = gp.start[k >> 2u][k & 3u] + c * gp.step[k >> 2u][k & 3u];
    if (coord < 0 || coord >= gp.bound[k >> 2u][k & 3u]) {
      valid = false;
    }
    off += u32(coord) * gp.stride[k >> 2u][k & 3u];
  }
  if (valid) {
    if (in_window(off)) {
      gy[gp.y_shift + i] = gx[off - gp.x_base];
    }
  } else if (gp.write_fill != 0u) {
    gy[gp.y_shift + i] = gp.fill;
  }
}

@group(0) @binding(1) var<storage, read> ps: array<f32>;
@group(0) @binding(2) var<storage, read_write> pd: array<f32>;

@compute @workgroup_size(WG)
fn place(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * gp.row_stride + gid.x;
  if (i >= gp.n) {
    return;
  }
  var rem = gp.base + i;
  var off = gp.offset;
  for (var d = i32(RANK) - 1; d >= 0; d--) {
    let k = u32(d);
    let extent = gp.shape[k >> 2u][k & 3u];
    let c = i32(rem % extent);
    rem = rem / extent;
    off += u32(gp.start[k >> 2u][k & 3u] + c * gp.step[k >> 2u][k & 3u]) * gp.stride[k >> 2u][k & 3u];
  }
  if (in_window(off)) {
    pd[off - gp.x_base] = ps[gp.y_shift + i];
  }
}

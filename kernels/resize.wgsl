// 1D resize along the middle axis of [outer, in_len, inner] -> [outer, out_len, inner]; bilinear
// and trilinear resizes are separable passes of this. PyTorch formulas (see src/engine/cpu/resize.ts):
// linear: src = align ? scale*j : max(0, scale*(j+0.5)-0.5), taps floor(src) and +1 (clamped);
// nearest: floor(j*scale) clamped. resize_backward is a gather over the outputs that read each
// input (deterministic, no atomics). Entry points: flat (any shape) and grid variants (below).

override WG: u32 = 256u;

struct ResizeParams {
  n: u32,
  row_stride: u32,
  outer: u32,
  in_len: u32,
  out_len: u32,
  inner: u32,
  nearest: u32,
  align: u32,
  scale: f32,
  // Element offsets inside the bound ranges (chunks of whole outer slices).
  x_shift: u32,
  y_shift: u32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> rp: ResizeParams;
@group(0) @binding(1) var<storage, read> rx: array<f32>;
@group(0) @binding(2) var<storage, read_write> ry: array<f32>;

struct Taps {
  i0: u32,
  i1: u32,
  w0: f32,
  w1: f32,
}

fn taps(j: u32) -> Taps {
  var t: Taps;
  let last = rp.in_len - 1u;
  if (rp.nearest != 0u) {
    t.i0 = min(u32(floor(f32(j) * rp.scale)), last);
    t.i1 = t.i0;
    t.w0 = 1.0;
    t.w1 = 0.0;
    return t;
  }
  var src = rp.scale * f32(j);
  if (rp.align == 0u) {
    src = max(rp.scale * (f32(j) + 0.5) - 0.5, 0.0);
  }
  t.i0 = min(u32(floor(src)), last);
  t.i1 = select(t.i0, t.i0 + 1u, t.i0 < last);
  t.w1 = src - f32(t.i0);
  t.w0 = 1.0 - t.w1;
  return t;
}

fn forward_at(o: u32, j: u32, k: u32) -> f32 {
  let t = taps(j);
  let b = o * rp.in_len;
  return t.w0 * rx[rp.x_shift + (b + t.i0) * rp.inner + k] + t.w1 * rx[rp.x_shift + (b + t.i1) * rp.inner + k];
}

/** d(loss)/d(input c) of row o, lane k: the outputs j that read input c (taps i0 or i1 == c). */
fn backward_at(o: u32, c: u32, k: u32) -> f32 {
  // Outputs j below j_lo read only inputs < c (their source coordinate is < c - 1).
  var j_lo = 0u;
  if (rp.scale > 0.0) {
    j_lo = u32(max(floor((f32(c) - 1.0) / rp.scale - 0.5) - 1.0, 0.0));
  }
  var acc = 0.0;
  for (var j = j_lo; j < rp.out_len; j++) {
    let t = taps(j);
    if (t.i0 > c) {
      break;
    }
    let g = rx[rp.x_shift + (o * rp.out_len + j) * rp.inner + k];
    if (t.i0 == c) {
      acc += t.w0 * g;
    }
    if (t.i1 == c) {
      acc += t.w1 * g;
    }
  }
  return acc;
}

// Flat variants: one invocation per element, coordinates by integer division (any shape).
@compute @workgroup_size(WG)
fn resize_forward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * rp.row_stride + gid.x;
  if (i >= rp.n) {
    return;
  }
  let k = i % rp.inner;
  let j = (i / rp.inner) % rp.out_len;
  let o = i / (rp.inner * rp.out_len);
  ry[rp.y_shift + i] = forward_at(o, j, k);
}

@compute @workgroup_size(WG)
fn resize_backward(@builtin(global_invocation_id) gid: vec3<u32>) {
  // Here n counts input elements; rx is dy [outer, out_len, inner], ry is dx [outer, in_len, inner].
  let i = gid.y * rp.row_stride + gid.x;
  if (i >= rp.n) {
    return;
  }
  let k = i % rp.inner;
  let c = (i / rp.inner) % rp.in_len;
  let o = i / (rp.inner * rp.in_len);
  ry[rp.y_shift + i] = backward_at(o, c, k);
}

// Grid variants, no per-element division (CPU drivers scalarise it):
//  *_rows (inner == 1): grid (positions / WG, rows), row o = gid.z * row_stride + gid.y;
//  *_grid (inner > 1): grid (inner / WG, positions, outer).
@compute @workgroup_size(WG)
fn resize_forward_rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.z * rp.row_stride + gid.y;
  if (gid.x >= rp.out_len || o >= rp.outer) {
    return;
  }
  ry[rp.y_shift + o * rp.out_len + gid.x] = forward_at(o, gid.x, 0u);
}

@compute @workgroup_size(WG)
fn resize_backward_rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.z * rp.row_stride + gid.y;
  if (gid.x >= rp.in_len || o >= rp.outer) {
    return;
  }
  ry[rp.y_shift + o * rp.in_len + gid.x] = backward_at(o, gid.x, 0u);
}

@compute @workgroup_size(WG)
fn resize_forward_grid(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= rp.inner) {
    return;
  }
  ry[rp.y_shift + (gid.z * rp.out_len + gid.y) * rp.inner + gid.x] = forward_at(gid.z, gid.y, gid.x);
}

@compute @workgroup_size(WG)
fn resize_backward_grid(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= rp.inner) {
    return;
  }
  ry[rp.y_shift + (gid.z * rp.in_len + gid.y) * rp.inner + gid.x] = backward_at(gid.z, gid.y, gid.x);
}

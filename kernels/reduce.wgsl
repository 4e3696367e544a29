// Row reductions: each of `rows` contiguous runs of `len` elements becomes one value.
//  - reduce_rows: one workgroup per row, a strided loop then a tree in workgroup memory
//    (long rows: sums over a whole volume);
//  - reduce_small: one thread per row (many short rows, e.g. over channels).
// OP: 0 sum, 1 max, 2 min, 3 argmax, 4 argmin (REDUCE_OPS in src/engine/backend.ts); arg ops
// return the first index of the extreme. x_shift / y_shift: element offsets inside the bound
// ranges (chunked dispatch binds at 256-byte aligned offsets).

override OP: u32 = 0u;
override WG: u32 = 256u;

struct ReduceParams {
  rows: u32,
  len: u32,
  groups_x: u32,
  x_shift: u32,
  y_shift: u32,
  row_stride: u32,
  // Rows may be split into `segs` segments of `seg_len` (one workgroup each) for parallelism when
  // there are few long rows; the host then reduces the per-segment partials. segs = 1 otherwise.
  segs: u32,
  seg_len: u32,
  // Layout [outer, rows, inner] (outer > 1: a row is not contiguous; no chunking then), or
  // [rows / mid_inner, len, mid_inner] with mid_inner > 1 (reduce the middle axis).
  outer: u32,
  inner: u32,
  mid_inner: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> rp: ReduceParams;
@group(0) @binding(1) var<storage, read> rx: array<f32>;
@group(0) @binding(2) var<storage, read_write> ry: array<f32>;

const BIG: f32 = 3.402823e38;

fn init_value() -> f32 {
  switch OP {
    case 1u, 3u: { return -BIG; }
    case 2u, 4u: { return BIG; }
    default: { return 0.0; }
  }
}

/** Whether (v, vi) beats (best, bi): strictly better, or equal with a smaller index. */
fn better(v: f32, vi: u32, best: f32, bi: u32) -> bool {
  switch OP {
    case 1u, 3u: { return v > best || (v == best && vi < bi); }
    case 2u, 4u: { return v < best || (v == best && vi < bi); }
    default: { return false; }
  }
}

/** Index of element j of row `row`. */
fn at(row: u32, j: u32) -> u32 {
  if (rp.mid_inner > 1u) {
    let o = row / rp.mid_inner;
    return rp.x_shift + (o * rp.len + j) * rp.mid_inner + (row - o * rp.mid_inner);
  }
  if (rp.outer == 1u) {
    return rp.x_shift + row * rp.len + j;
  }
  let o = j / rp.inner;
  return rp.x_shift + (o * rp.rows + row) * rp.inner + (j - o * rp.inner);
}

var<workgroup> sv: array<f32, WG>;
var<workgroup> si: array<u32, WG>;

@compute @workgroup_size(WG)
fn reduce_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.y * rp.groups_x + wid.x; // row * segs + segment
  // Every thread of the group takes part in the barriers, even past the last row.
  let in_range = row < rp.rows * rp.segs;
  let r = row / rp.segs;
  let seg_start = (row % rp.segs) * rp.seg_len;
  let seg_end = min(seg_start + rp.seg_len, rp.len);
  var acc = init_value();
  var acc_i = 0xffffffffu;
  if (in_range) {
    for (var j = seg_start + lid.x; j < seg_end; j += WG) {
      let v = rx[at(r, j)];
      if (OP == 0u) {
        acc += v;
      } else if (better(v, j, acc, acc_i) || acc_i == 0xffffffffu) {
        acc = v;
        acc_i = j;
      }
    }
  }
  sv[lid.x] = acc;
  si[lid.x] = acc_i;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid.x < s) {
      let v = sv[lid.x + s];
      let vi = si[lid.x + s];
      if (OP == 0u) {
        sv[lid.x] = sv[lid.x] + v;
      } else if (vi != 0xffffffffu && (si[lid.x] == 0xffffffffu || better(v, vi, sv[lid.x], si[lid.x]))) {
        sv[lid.x] = v;
        si[lid.x] = vi;
      }
    }
    workgroupBarrier();
  }
  if (in_range && lid.x == 0u) {
    if (OP >= 3u) {
      ry[rp.y_shift + row] = f32(si[0]);
    } else {
      ry[rp.y_shift + row] = sv[0];
    }
  }
}

@compute @workgroup_size(WG)
fn reduce_small(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.y * rp.row_stride + gid.x;
  if (row >= rp.rows) {
    return;
  }
  var acc = init_value();
  var acc_i = 0u;
  if (OP == 0u) {
    for (var j = 0u; j < rp.len; j++) {
      acc += rx[at(row, j)];
    }
  } else {
    acc = rx[at(row, 0u)];
    for (var j = 1u; j < rp.len; j++) {
      let v = rx[at(row, j)];
      if (better(v, j, acc, acc_i)) {
        acc = v;
        acc_i = j;
      }
    }
  }
  if (OP >= 3u) {
    ry[rp.y_shift + row] = f32(acc_i);
  } else {
    ry[rp.y_shift + row] = acc;
  }
}

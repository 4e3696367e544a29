// Elementwise kernels: unary (op chosen by the OP override), binary and where with NumPy
// broadcasting through per-operand strides, and fill. One thread per output element on a 2D grid
// (index = gid.y * row_stride + gid.x) so element counts above 65535 workgroups work.
// Chunked dispatch (tensors above maxStorageBufferBindingSize): the host binds a range of the
// output (and of operands shaped like it, flags bit 0/1/2), and `base` is the range's first
// global element, used to compute the strided offsets of whole-bound (broadcast) operands.
// Op codes match UNARY_OPS / BINARY_OPS in src/engine/backend.ts.

override OP: u32 = 0u;
override WG: u32 = 256u;
// The tensor rank, a pipeline constant so the index loops unroll with static array indices.
override RANK: u32 = 1u;

struct UnaryParams {
  n: u32,
  row_stride: u32,
  a: f32,
  b: f32,
}

@group(0) @binding(0) var<uniform> up: UnaryParams;
@group(0) @binding(1) var<storage, read> ux: array<f32>;
@group(0) @binding(2) var<storage, read_write> uy: array<f32>;

fn safe_tanh(x: f32) -> f32 {
  // tanh via exp(-2|x|): never inf/inf for large |x|.
  let t = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - t) / (1.0 + t);
}

fn pow_scalar(x: f32, p: f32) -> f32 {
  // WGSL pow is undefined for x < 0: integer exponents of negative bases are done by hand.
  if (x < 0.0 && floor(p) == p) {
    let r = pow(-x, p);
    return select(r, -r, (i32(p) & 1) == 1);
  }
  if (x == 0.0 && p == 0.0) {
    return 1.0;
  }
  return pow(x, p);
}

fn unary_op(x: f32, a: f32, b: f32) -> f32 {
  switch OP {
    case 0u: { return x; }
    case 1u: { return -x; }
    case 2u: { return exp(x); }
    case 3u: { return log(x); }
    case 4u: { return sqrt(x); }
    case 5u: { return inverseSqrt(x); }
    case 6u: { return abs(x); }
    case 7u: { return sign(x); }
    case 8u: { return select(0.0, x, x > 0.0); }
    case 9u: { return select(a * x, x, x > 0.0); }
    case 10u: { return 1.0 / (1.0 + exp(-x)); }
    case 11u: { return safe_tanh(x); }
    case 12u: { return min(max(x, a), b); }
    case 13u: { return pow_scalar(x, a); }
    case 14u: { return a * x + b; }
    case 15u: { return 1.0 / x; }
    case 16u: { return x * x; }
    case 17u: { return select(0.0, 1.0, x > a); }
    case 18u: { return select(a, 1.0, x > 0.0); }
    case 19u: { return select(0.0, 1.0, x >= a && x <= b); }
    case 20u: { return floor(x); }
    default: { return x; }
  }
}

@compute @workgroup_size(WG)
fn unary(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * up.row_stride + gid.x;
  if (i >= up.n) {
    return;
  }
  uy[i] = unary_op(ux[i], up.a, up.b);
}

// ---- fill ----

@group(0) @binding(1) var<storage, read_write> fy: array<f32>;

@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * up.row_stride + gid.x;
  if (i >= up.n) {
    return;
  }
  fy[i] = up.a;
}

// ---- binary / where with broadcasting ----

struct BroadcastParams {
  n: u32,
  row_stride: u32,
  rank: u32,
  flags: u32,
  base: u32,
  // First element of each whole-or-footprint-bound operand's binding (chunked dispatch).
  shift0: u32,
  shift1: u32,
  shift2: u32,
  shape: array<vec4<u32>, 2>,
  s0: array<vec4<u32>, 2>,
  s1: array<vec4<u32>, 2>,
  s2: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> bp: BroadcastParams;
@group(0) @binding(1) var<storage, read> ba: array<f32>;
@group(0) @binding(2) var<storage, read> bb: array<f32>;
@group(0) @binding(3) var<storage, read_write> by: array<f32>;

fn binary_op(x: f32, y: f32) -> f32 {
  switch OP {
    case 0u: { return x + y; }
    case 1u: { return x - y; }
    case 2u: { return x * y; }
    case 3u: { return x / y; }
    case 4u: { return pow_scalar(x, y); }
    case 5u: { return max(x, y); }
    case 6u: { return min(x, y); }
    case 7u: { return select(0.0, 1.0, x == y); }
    case 8u: { return select(0.0, 1.0, x != y); }
    case 9u: { return select(0.0, 1.0, x > y); }
    case 10u: { return select(0.0, 1.0, x >= y); }
    case 11u: { return select(0.0, 1.0, x < y); }
    case 12u: { return select(0.0, 1.0, x <= y); }
    default: { return x; }
  }
}

/** Strided offsets of global element g for the three stride sets. */
fn offsets(g: u32) -> vec3<u32> {
  var rem = g;
  var o = vec3<u32>(0u, 0u, 0u);
  for (var d = i32(RANK) - 1; d >= 0; d--) {
    let k = u32(d);
    let extent = bp.shape[k >> 2u][k & 3u];
    let c = rem % extent;
    rem = rem / extent;
    o += c * vec3<u32>(bp.s0[k >> 2u][k & 3u], bp.s1[k >> 2u][k & 3u], bp.s2[k >> 2u][k & 3u]);
  }
  return o;
}

@compute @workgroup_size(WG)
fn binary(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * bp.row_stride + gid.x;
  if (i >= bp.n) {
    return;
  }
  var ia = i;
  var ib = i;
  if ((bp.flags & 3u) != 3u) {
    let o = offsets(bp.base + i);
    ia = select(o.x - bp.shift0, i, (bp.flags & 1u) != 0u);
    ib = select(o.y - bp.shift1, i, (bp.flags & 2u) != 0u);
  }
  by[i] = binary_op(ba[ia], bb[ib]);
}

@group(0) @binding(1) var<storage, read> wc: array<f32>;
@group(0) @binding(2) var<storage, read> wa: array<f32>;
@group(0) @binding(3) var<storage, read> wb: array<f32>;
@group(0) @binding(4) var<storage, read_write> wy: array<f32>;

@compute @workgroup_size(WG)
fn where_select(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * bp.row_stride + gid.x;
  if (i >= bp.n) {
    return;
  }
  var ic = i;
  var ia = i;
  var ib = i;
  if ((bp.flags & 7u) != 7u) {
    let o = offsets(bp.base + i);
    ic = select(o.x - bp.shift0, i, (bp.flags & 1u) != 0u);
    ia = select(o.y - bp.shift1, i, (bp.flags & 2u) != 0u);
    ib = select(o.z - bp.shift2, i, (bp.flags & 4u) != 0u);
  }
  wy[i] = select(wb[ib], wa[ia], wc[ic] != 0.0);
}

// ---- rank <= 3 broadcast without index arithmetic ----
// The grid itself is the index: gid.x runs over the last dim, gid.y over the middle one, gid.z
// over the first (shape and strides right-aligned into the first vec4: x = d0, y = d1, z = d2).
// No integer division per element (CPU drivers scalarise it); used when nothing is chunked.

fn offsets3(gid: vec3<u32>) -> vec3<u32> {
  let c = vec3<u32>(gid.z, gid.y, gid.x);
  return vec3<u32>(dot(c, bp.s0[0].xyz), dot(c, bp.s1[0].xyz), dot(c, bp.s2[0].xyz));
}

@compute @workgroup_size(WG)
fn binary3(@builtin(global_invocation_id) gid: vec3<u32>) {
  let d = bp.shape[0].xyz;
  if (gid.x >= d.z) {
    return;
  }
  let i = (gid.z * d.y + gid.y) * d.z + gid.x;
  let o = offsets3(gid);
  by[i] = binary_op(ba[o.x], bb[o.y]);
}

@compute @workgroup_size(WG)
fn where_select3(@builtin(global_invocation_id) gid: vec3<u32>) {
  let d = bp.shape[0].xyz;
  if (gid.x >= d.z) {
    return;
  }
  let i = (gid.z * d.y + gid.y) * d.z + gid.x;
  let o = offsets3(gid);
  wy[i] = select(wb[o.z], wa[o.y], wc[o.x] != 0.0);
}

// Philox-4x32-10 counter-based random numbers, bit-identical to src/engine/rng.ts: element i of a
// tensor is a function of (seed, stream, i) only. Uniform: top 24 bits * 2^-24 (exact in f32);
// normal: Box-Muller on the first two words.

override WG: u32 = 256u;

struct RngParams {
  n: u32,
  row_stride: u32,
  seed: u32,
  stream: u32,
  normal: u32,
  base: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> rp: RngParams;
@group(0) @binding(1) var<storage, read_write> ry: array<f32>;

fn mulhi32(a: u32, b: u32) -> u32 {
  let a_lo = a & 0xffffu;
  let a_hi = a >> 16u;
  let b_lo = b & 0xffffu;
  let b_hi = b >> 16u;
  let p0 = a_lo * b_lo;
  let p1 = a_lo * b_hi;
  let p2 = a_hi * b_lo;
  let p3 = a_hi * b_hi;
  let mid = (p0 >> 16u) + (p1 & 0xffffu) + (p2 & 0xffffu);
  return p3 + (p1 >> 16u) + (p2 >> 16u) + (mid >> 16u);
}

fn philox(counter: vec4<u32>, key_in: vec2<u32>) -> vec4<u32> {
  var x = counter;
  var key = key_in;
  for (var r = 0; r < 10; r++) {
    let hi0 = mulhi32(0xd2511f53u, x.x);
    let lo0 = 0xd2511f53u * x.x;
    let hi1 = mulhi32(0xcd9e8d57u, x.z);
    let lo1 = 0xcd9e8d57u * x.z;
    x = vec4<u32>(hi1 ^ x.y ^ key.x, lo1, hi0 ^ x.w ^ key.y, lo0);
    key = key + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
  }
  return x;
}

@compute @workgroup_size(WG)
fn random(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * rp.row_stride + gid.x;
  if (i >= rp.n) {
    return;
  }
  let r = philox(vec4<u32>(rp.base + i, rp.stream, 0u, 0u), vec2<u32>(rp.seed, 0u));
  let inv = 1.0 / 16777216.0;
  if (rp.normal == 0u) {
    ry[i] = f32(r.x >> 8u) * inv;
  } else {
    let u1 = f32((r.x >> 8u) + 1u) * inv;
    let u2 = f32(r.y >> 8u) * inv;
    ry[i] = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
  }
}

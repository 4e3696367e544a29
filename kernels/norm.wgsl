// Fused normalisation (batch norm in training, instance norm) over a tensor seen as
// [outer, groups, inner]: each group g is normalised with the mean and biased variance of its
// outer * inner values (batch norm: groups = channels, outer = N, inner = spatial volume; instance
// norm: outer = 1, groups = N * C). Replaces a chain of ~10 reductions and broadcast passes.
//
//  stats_partial / stats_combine: per (group, segment) mean and M2 (two passes over the segment,
//    exact), then per group Chan's merge of the segments -> mean, var (biased), invstd.
//  apply: y = (x - mean) * invstd * w + b (w, b per group % wmod; flags bit 0 weight, bit 1 bias).
//  grad_partial / grad_combine: per group sums of gy and gy * xhat (xhat recomputed from x).
//  grad_apply: dx = w * invstd * (gy - sum(gy) / m - xhat * sum(gy * xhat) / m).
// A segment is a range of at most SEG values inside one (outer, group) row of `inner` values, so
// the segments of a group are (o, chunk) pairs and no invocation divides per element.

override WG: u32 = 256u;

struct NormParams {
  outer: u32,
  groups: u32,
  inner: u32,
  // Weight / bias index = group % wmod (instance norm: wmod = channels).
  wmod: u32,
  // Segments per row (ceil(inner / seg)) and segment length.
  segs_per_row: u32,
  seg: u32,
  flags: u32,
  eps: f32,
  // Workgroups along x in the apply passes (invocations stride over inner by gx * WG).
  gx: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> np: NormParams;

var<workgroup> red: array<f32, WG>;

/** Sum of `v` over the workgroup (every invocation must call it). */
fn workgroup_sum(v: f32, lid: u32) -> f32 {
  workgroupBarrier();
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      red[lid] = red[lid] + red[lid + s];
    }
    workgroupBarrier();
  }
  return red[0];
}

/** Start of row (o, g) and the [lo, hi) inner range of segment `seg_index` of that row. */
struct Segment {
  base: u32,
  lo: u32,
  hi: u32,
}

fn segment(g: u32, s: u32) -> Segment {
  let o = s / np.segs_per_row;
  let c = s - o * np.segs_per_row;
  let lo = c * np.seg;
  return Segment((o * np.groups + g) * np.inner, lo, min(lo + np.seg, np.inner));
}

// ---------- statistics ----------

@group(0) @binding(1) var<storage, read> sx: array<f32>;
// Per (group, segment): mean, M2 at [2 * (g * segments + s)].
@group(0) @binding(2) var<storage, read_write> spart: array<f32>;

// Workgroup (s, g): segment s of group g.
@compute @workgroup_size(WG)
fn stats_partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
  let lid = lid3.x;
  let g = wid.y;
  let s = wid.x;
  let seg = segment(g, s);
  let n = f32(seg.hi - seg.lo);
  var acc = 0.0;
  for (var i = seg.lo + lid; i < seg.hi; i += WG) {
    acc += sx[seg.base + i];
  }
  let mu = workgroup_sum(acc, lid) / n;
  var acc2 = 0.0;
  for (var i = seg.lo + lid; i < seg.hi; i += WG) {
    let d = sx[seg.base + i] - mu;
    acc2 += d * d;
  }
  let m2 = workgroup_sum(acc2, lid);
  if (lid == 0u) {
    let k = 2u * (g * np.outer * np.segs_per_row + s);
    spart[k] = mu;
    spart[k + 1u] = m2;
  }
}

@group(0) @binding(1) var<storage, read> cpart: array<f32>;
@group(0) @binding(2) var<storage, read_write> cmean: array<f32>;
@group(0) @binding(3) var<storage, read_write> cvar: array<f32>;
@group(0) @binding(4) var<storage, read_write> cinvstd: array<f32>;

// One invocation per group: merges its segments in order (Chan et al.).
@compute @workgroup_size(64)
fn stats_combine(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.x;
  if (g >= np.groups) {
    return;
  }
  let segments = np.outer * np.segs_per_row;
  var count = 0.0;
  var mu = 0.0;
  var m2 = 0.0;
  for (var s = 0u; s < segments; s++) {
    let c = s % np.segs_per_row;
    let nb = f32(min(np.seg, np.inner - c * np.seg));
    let k = 2u * (g * segments + s);
    let mb = cpart[k];
    let total = count + nb;
    let delta = mb - mu;
    mu += delta * nb / total;
    m2 += cpart[k + 1u] + delta * delta * count * nb / total;
    count = total;
  }
  let v = m2 / count;
  cmean[g] = mu;
  cvar[g] = v;
  cinvstd[g] = inverseSqrt(v + np.eps);
}

// ---------- normalise (+ affine) ----------

@group(0) @binding(1) var<storage, read> ax: array<f32>;
@group(0) @binding(2) var<storage, read> amean: array<f32>;
@group(0) @binding(3) var<storage, read> ainvstd: array<f32>;
@group(0) @binding(4) var<storage, read> aweight: array<f32>;
@group(0) @binding(5) var<storage, read> abias: array<f32>;
@group(0) @binding(6) var<storage, read_write> ay: array<f32>;

// Grid (gx, groups, outer).
@compute @workgroup_size(WG)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.y;
  let base = (gid.z * np.groups + g) * np.inner;
  var scale = ainvstd[g];
  var shift = -amean[g] * scale;
  let c = g % np.wmod;
  if ((np.flags & 1u) != 0u) {
    scale *= aweight[c];
    shift *= aweight[c];
  }
  if ((np.flags & 2u) != 0u) {
    shift += abias[c];
  }
  for (var i = gid.x; i < np.inner; i += np.gx * WG) {
    ay[base + i] = ax[base + i] * scale + shift;
  }
}

// ---------- backward ----------

@group(0) @binding(1) var<storage, read> gx_: array<f32>;
@group(0) @binding(2) var<storage, read> ggy: array<f32>;
@group(0) @binding(3) var<storage, read> gmean: array<f32>;
@group(0) @binding(4) var<storage, read> ginvstd: array<f32>;
// Per (group, segment): sum gy, sum gy * xhat at [2 * (g * segments + s)].
@group(0) @binding(5) var<storage, read_write> gpart: array<f32>;

@compute @workgroup_size(WG)
fn grad_partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
  let lid = lid3.x;
  let g = wid.y;
  let s = wid.x;
  let seg = segment(g, s);
  let mu = gmean[g];
  let inv = ginvstd[g];
  var sg = 0.0;
  var sgx = 0.0;
  for (var i = seg.lo + lid; i < seg.hi; i += WG) {
    let dy = ggy[seg.base + i];
    sg += dy;
    sgx += dy * (gx_[seg.base + i] - mu) * inv;
  }
  let tg = workgroup_sum(sg, lid);
  let tgx = workgroup_sum(sgx, lid);
  if (lid == 0u) {
    let k = 2u * (g * np.outer * np.segs_per_row + s);
    gpart[k] = tg;
    gpart[k + 1u] = tgx;
  }
}

@group(0) @binding(1) var<storage, read> rpart: array<f32>;
// [2, groups]: sum gy (the bias gradient per group), then sum gy * xhat (the weight gradient).
@group(0) @binding(2) var<storage, read_write> rsums: array<f32>;

@compute @workgroup_size(64)
fn grad_combine(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.x;
  if (g >= np.groups) {
    return;
  }
  let segments = np.outer * np.segs_per_row;
  var sg = 0.0;
  var sgx = 0.0;
  for (var s = 0u; s < segments; s++) {
    let k = 2u * (g * segments + s);
    sg += rpart[k];
    sgx += rpart[k + 1u];
  }
  rsums[g] = sg;
  rsums[np.groups + g] = sgx;
}

@group(0) @binding(1) var<storage, read> dx_x: array<f32>;
@group(0) @binding(2) var<storage, read> dx_gy: array<f32>;
@group(0) @binding(3) var<storage, read> dx_mean: array<f32>;
@group(0) @binding(4) var<storage, read> dx_invstd: array<f32>;
@group(0) @binding(5) var<storage, read> dx_weight: array<f32>;
@group(0) @binding(6) var<storage, read> dx_sums: array<f32>;
@group(0) @binding(7) var<storage, read_write> dx_out: array<f32>;

// Grid (gx, groups, outer).
@compute @workgroup_size(WG)
fn grad_apply(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.y;
  let base = (gid.z * np.groups + g) * np.inner;
  let m = f32(np.outer) * f32(np.inner);
  let mu = dx_mean[g];
  let inv = dx_invstd[g];
  var k = inv;
  if ((np.flags & 1u) != 0u) {
    k *= dx_weight[g % np.wmod];
  }
  let mean_gy = dx_sums[g] / m;
  let mean_gyx = dx_sums[np.groups + g] / m;
  for (var i = gid.x; i < np.inner; i += np.gx * WG) {
    let xhat = (dx_x[base + i] - mu) * inv;
    dx_out[base + i] = k * (dx_gy[base + i] - mean_gy - xhat * mean_gyx);
  }
}

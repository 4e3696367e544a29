// Fused in-place optimizer updates, PyTorch semantics (torch.optim.Adam / AdamW / SGD); the same
// arithmetic as CpuBackend.adam / .sgd. Bias corrections are folded on the host into step_size
// = lr / (1 - beta1^t) and sqrt_bc2 = sqrt(1 - beta2^t).

override WG: u32 = 256u;

struct AdamParams {
  n: u32,
  row_stride: u32,
  decoupled: u32,
  _pad0: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
  step_size: f32,
  sqrt_bc2: f32,
  _pad1: f32,
}

@group(0) @binding(0) var<uniform> ap: AdamParams;
@group(0) @binding(1) var<storage, read_write> a_param: array<f32>;
@group(0) @binding(2) var<storage, read> a_grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> a_m: array<f32>;
@group(0) @binding(4) var<storage, read_write> a_v: array<f32>;

@compute @workgroup_size(WG)
fn adam(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * ap.row_stride + gid.x;
  if (i >= ap.n) {
    return;
  }
  var p = a_param[i];
  var g = a_grad[i];
  if (ap.decoupled != 0u) {
    p = p * (1.0 - ap.lr * ap.weight_decay);
  } else {
    g = g + ap.weight_decay * p;
  }
  let m = ap.beta1 * a_m[i] + (1.0 - ap.beta1) * g;
  let v = ap.beta2 * a_v[i] + (1.0 - ap.beta2) * g * g;
  a_m[i] = m;
  a_v[i] = v;
  let denom = sqrt(v) / ap.sqrt_bc2 + ap.eps;
  a_param[i] = p - ap.step_size * m / denom;
}

struct SgdParams {
  n: u32,
  row_stride: u32,
  nesterov: u32,
  first_step: u32,
  lr: f32,
  momentum: f32,
  dampening: f32,
  weight_decay: f32,
}

@group(0) @binding(0) var<uniform> sp: SgdParams;
@group(0) @binding(1) var<storage, read_write> s_param: array<f32>;
@group(0) @binding(2) var<storage, read> s_grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> s_buf: array<f32>;

@compute @workgroup_size(WG)
fn sgd_momentum(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * sp.row_stride + gid.x;
  if (i >= sp.n) {
    return;
  }
  let p = s_param[i];
  var g = s_grad[i] + sp.weight_decay * p;
  var b = g;
  if (sp.first_step == 0u) {
    b = sp.momentum * s_buf[i] + (1.0 - sp.dampening) * g;
  }
  s_buf[i] = b;
  if (sp.nesterov != 0u) {
    g = g + sp.momentum * b;
  } else {
    g = b;
  }
  s_param[i] = p - sp.lr * g;
}

@compute @workgroup_size(WG)
fn sgd_plain(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * sp.row_stride + gid.x;
  if (i >= sp.n) {
    return;
  }
  let p = s_param[i];
  s_param[i] = p - sp.lr * (s_grad[i] + sp.weight_decay * p);
}

// y[i] = a * x[i] + y[i]
// The adapter self-test kernel: the diagnostics panel, the unit test and the e2e test run it to
// prove that a WGSL compute pipeline from kernels/ compiles, dispatches and reads back correctly.
// The element count may exceed 65535 workgroups in x, so the grid is 2D and flattened here.

struct Params {
  a: f32,
  n: u32,
  row_stride: u32, // invocations per grid row = workgroups_x * 64
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * params.row_stride + gid.x;
  if (i >= params.n) {
    return;
  }
  y[i] = params.a * x[i] + y[i];
}

// Row-operand loads and entry point of the register-tiled matmul / convolution kernels: the
// portable variant, prepended to a kernel source (see src/engine/webgpu/kernels/conv_common.ts).
// Each invocation reads all TM values of the tile's row operand (`rowsBuf`) itself; they are the
// same for the whole workgroup, so on a GPU they come from cache as a broadcast.

fn loadRows(offs: ptr<function, array<u32, TM>>, mine: ptr<function, array<u32, TM / 8u>>, k: u32) -> array<f32, TM> {
  var r: array<f32, TM>;
  for (var i = 0u; i < TM; i++) {
    r[i] = rowsBuf[(*offs)[i] + k];
  }
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  run(wg, lid, 0u);
}

enable subgroups;
// Row-operand loads and entry point of the register-tiled kernels: the subgroup variant, used when
// the device has 'subgroups' and subgroups of at least 8 invocations. Lane l of a subgroup loads
// rows (l mod 8) + 8q only, and the values are then broadcast across the subgroup: TM/8 loads per
// lane instead of TM. On CPU drivers (lavapipe) every load inside a loop costs a scalar load per
// lane, so this cuts the loads of the row operand TM-fold; on GPUs it saves cache bandwidth.
// `mine[q]` is the offset of row (lane mod 8) + 8q for this lane, computed once by the kernel.
// TM must be a multiple of 8.

fn loadRows(offs: ptr<function, array<u32, TM>>, mine: ptr<function, array<u32, TM / 8u>>, k: u32) -> array<f32, TM> {
  var r: array<f32, TM>;
  for (var q = 0u; q < TM / 8u; q++) {
    let v = rowsBuf[(*mine)[q] + k];
    // subgroupBroadcast needs a constant lane index.
    r[8u * q + 0u] = subgroupBroadcast(v, 0u);
    r[8u * q + 1u] = subgroupBroadcast(v, 1u);
    r[8u * q + 2u] = subgroupBroadcast(v, 2u);
    r[8u * q + 3u] = subgroupBroadcast(v, 3u);
    r[8u * q + 4u] = subgroupBroadcast(v, 4u);
    r[8u * q + 5u] = subgroupBroadcast(v, 5u);
    r[8u * q + 6u] = subgroupBroadcast(v, 6u);
    r[8u * q + 7u] = subgroupBroadcast(v, 7u);
  }
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(subgroup_invocation_id) lane: u32) {
  run(wg, lid, lane);
}

enable subgroups;
// Row-operand loads and entry point of the register-tiled kernels: the subgroup variant, used when
// the device has 'subgroups' and subgroups of at least TM (= 8) invocations. Lane l of a subgroup
// loads row (l mod TM) only, and the TM values are then broadcast across the subgroup: one load per
// lane instead of TM. On CPU drivers (lavapipe) every load inside a loop costs a scalar load per
// lane, so this cuts the loads of the row operand TM-fold; on GPUs it saves cache bandwidth.
// `mine` is the offset of this lane's row (offs[lane % TM]), computed once by the kernel.

fn loadRows(offs: ptr<function, array<u32, TM>>, mine: u32, k: u32) -> array<f32, TM> {
  let v = rowsBuf[mine + k];
  // subgroupBroadcast needs a constant lane index: TM is 8.
  return array<f32, TM>(
    subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 3u),
    subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u), subgroupBroadcast(v, 6u), subgroupBroadcast(v, 7u),
  );
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(subgroup_invocation_id) lane: u32) {
  run(wg, lid, lane);
}

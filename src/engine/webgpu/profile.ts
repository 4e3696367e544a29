/**
 * Per-dispatch GPU timing for development (bench/profile-step.ts). Dispatches are recorded while
 * `ctx.profileRecords` is an array (GpuContext keeps pipeline, bind group, workgroups and uniform
 * bytes of each); afterwards `timeDispatches` replays every record alone: its uniform bytes are
 * written back to their arena slot, the dispatch is submitted (repeated when short, so that the
 * wait's latency is spread over several runs) and awaited with onSubmittedWorkDone. The time of an
 * empty submit is subtracted.
 *
 * Replays re-run in-place kernels (accumulating conv chunks, optimizer updates) on whatever data is
 * in the buffers now, so run this after the step whose values matter. Times are wall times on the
 * host: on a software adapter they include the driver's thread scheduling, like the real step.
 */
import type { DispatchRecord, GpuContext } from './context';

export interface DispatchTiming {
  label: string;
  tag: string;
  workgroups: [number, number, number];
  ms: number;
}

async function timeSubmit(ctx: GpuContext, record: DispatchRecord | null, repeats: number): Promise<number> {
  const device = ctx.device;
  const encoder = device.createCommandEncoder({ label: 'profile' });
  if (record) {
    const pass = encoder.beginComputePass({ label: 'profile' });
    pass.setPipeline(record.pipeline);
    pass.setBindGroup(0, record.bindGroup);
    for (let i = 0; i < repeats; i++) pass.dispatchWorkgroups(...record.workgroups);
    pass.end();
    if (record.uniform) {
      const u = record.uniform;
      device.queue.writeBuffer(u.buffer, u.offset, u.bytes.buffer, u.bytes.byteOffset, u.bytes.byteLength);
    }
  }
  const commands = encoder.finish();
  const t0 = performance.now();
  device.queue.submit([commands]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/** Min over `tries` of a timed submit. */
async function minTime(ctx: GpuContext, record: DispatchRecord | null, repeats: number, tries: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < tries; i++) best = Math.min(best, await timeSubmit(ctx, record, repeats));
  return best;
}

/**
 * Replays and times each record (ms per dispatch). Short dispatches (< `targetMs`) are repeated in
 * one submit until the submit takes about `targetMs`.
 */
export async function timeDispatches(ctx: GpuContext, records: DispatchRecord[], targetMs = 8): Promise<DispatchTiming[]> {
  ctx.flush();
  await ctx.device.queue.onSubmittedWorkDone();
  const empty = await minTime(ctx, null, 0, 10);
  const out: DispatchTiming[] = [];
  for (const r of records) {
    const once = Math.max(0, (await minTime(ctx, r, 1, 2)) - empty);
    let ms = once;
    if (once < targetMs) {
      const repeats = Math.min(64, Math.max(2, Math.ceil(targetMs / Math.max(once, 0.02))));
      ms = Math.max(0, (await minTime(ctx, r, repeats, 2)) - empty) / repeats;
    }
    out.push({ label: r.label, tag: r.tag, workgroups: r.workgroups, ms });
  }
  return out;
}

export interface ProfileRow {
  key: string;
  count: number;
  ms: number;
}

/** Sums timings by `keyOf` (e.g. label, or label + tag), largest first. */
export function summarize(timings: DispatchTiming[], keyOf: (t: DispatchTiming) => string): ProfileRow[] {
  const rows = new Map<string, ProfileRow>();
  for (const t of timings) {
    const key = keyOf(t);
    const row = rows.get(key) ?? { key, count: 0, ms: 0 };
    row.count++;
    row.ms += t.ms;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => b.ms - a.ms);
}

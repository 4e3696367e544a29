/**
 * Where a training step of the 2D Unet (depth 3, n_filters 16, batch 4 x 1 x 128 x 128) spends its
 * GPU time: warm-up steps (forward, ivadomed Dice loss, backward, Adam), then timed steps, then one
 * step recorded with GpuContext's profiling hook and every dispatch replayed alone and timed
 * (src/engine/webgpu/profile.ts). Prints the step time, the kernels by total time (share of the
 * summed dispatch times) and the top (kernel, op, shape) rows.
 *
 *   node --import ./bin/node-register.mjs bench/profile-step.ts
 *
 * Env: PROFILE_NF (default 16), PROFILE_STEPS timed steps (default 3), PROFILE_TOP rows (default 25),
 * PROFILE_JSON=path writes the timings, PROFILE_FUSED_NORM=0 turns the fused normalisation kernels off
 * (ops/norm.ts composes ops instead), for before/after comparisons in one checkout; PROFILE_REPLAY=0
 * stops after the step timings.
 */
import { writeFileSync } from 'node:fs';
import { gt, manualSeed, rand, randn, scope, setBackend, webgpuBackend } from '../src/engine/index';
import { acquireNodeDevice } from '../src/engine/webgpu/node';
import { WebGpuBackend } from '../src/engine/webgpu/backend';
import type { DispatchRecord } from '../src/engine/webgpu/context';
import { summarize, timeDispatches } from '../src/engine/webgpu/profile';
import { Unet } from '../src/nn/models/unet';
import { diceLoss as makeDiceLoss } from '../src/nn/losses';
import { Adam } from '../src/train/optim';

const NF = Number(process.env.PROFILE_NF ?? 16);
const STEPS = Number(process.env.PROFILE_STEPS ?? 3);
const TOP = Number(process.env.PROFILE_TOP ?? 25);

/** Short text for a backend call's arguments: numbers, shapes, geometry; storages skipped. */
function describeArgs(args: unknown[]): string {
  const parts: string[] = [];
  for (const a of args) {
    if (typeof a === 'number' || typeof a === 'string') parts.push(String(a));
    else if (Array.isArray(a) && a.every((v) => typeof v === 'number')) parts.push(`[${a.join(',')}]`);
    else if (a && typeof a === 'object' && 'cIn' in a) {
      const g = a as { n: number; cIn: number; cOut: number; inSize: number[]; kernel: number[]; stride: number[] };
      parts.push(`n${g.n} ${g.cIn}->${g.cOut} ${g.inSize.join('x')} k${g.kernel.join('x')} s${g.stride.join('x')}`);
    } else if (a && typeof a === 'object' && 'planes' in a) {
      const g = a as { planes: number; inSize: number[]; mode: string };
      parts.push(`${g.mode} planes${g.planes} ${g.inSize.join('x')}`);
    } else if (a && typeof a === 'object' && 'inLen' in a) {
      const p = a as { outer: number; inLen: number; outLen: number; inner: number };
      parts.push(`outer${p.outer} ${p.inLen}->${p.outLen} inner${p.inner}`);
    }
  }
  return parts.join(' ');
}

/** Wraps the backend's primitives so each dispatch is tagged with the primitive and its sizes. */
function tagBackendCalls(backend: WebGpuBackend): void {
  const methods = ['fill', 'copy', 'unary', 'binary', 'where', 'reduce', 'gather', 'place', 'matmul', 'convForward', 'convGradInput',
    'convGradWeight', 'pool', 'poolBackward', 'resize1d', 'resize1dBackward', 'random', 'adam', 'sgd', 'normStats', 'normApply', 'normGrad'] as const;
  const target = backend as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const m of methods) {
    if (typeof target[m] !== 'function') continue; // an older backend (before/after comparisons)
    const original = target[m].bind(backend);
    target[m] = (...args: unknown[]) => {
      const outer = backend.ctx.profileTag;
      // Nested primitives (copy -> unary, chunked reduce -> gather) keep the outermost tag.
      if (!outer) backend.ctx.profileTag = `${m} ${describeArgs(args)}`;
      try {
        return original(...args);
      } finally {
        backend.ctx.profileTag = outer;
      }
    };
  }
}

async function main(): Promise<void> {
  const acquired = await acquireNodeDevice();
  setBackend('webgpu', { device: acquired.device });
  const backend = webgpuBackend()!;
  tagBackendCalls(backend);
  if (process.env.PROFILE_FUSED_NORM === '0') backend.normSupported = () => false;
  manualSeed(1);
  const model = new Unet({ depth: 3, nFilters: NF, inChannel: 1, outChannel: 1 }).train();
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const diceLoss = makeDiceLoss();
  const input = [4, 1, 128, 128];
  const [x, target] = scope(() => [randn(input).keep(), gt(rand(input), 0.5).keep()]);

  const step = async () => {
    const loss = scope(() => {
      const l = diceLoss(model.forward(x), target);
      l.backward();
      opt.step();
      opt.zeroGrad();
      return l;
    });
    const value = await loss.item();
    loss.dispose();
    return value;
  };
  const forward = async () => {
    const loss = scope(() => diceLoss(model.forward(x), target));
    await loss.item();
    loss.dispose();
  };

  for (let i = 0; i < 2; i++) await step();
  const stepMs: number[] = [];
  const fwdMs: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    let t0 = performance.now();
    await forward();
    fwdMs.push(performance.now() - t0);
    t0 = performance.now();
    await step();
    stepMs.push(performance.now() - t0);
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(`Unet nf${NF} 4x1x128x128: forward+loss median ${median(fwdMs).toFixed(0)} ms, step median ${median(stepMs).toFixed(0)} ms ` +
    `(steps ${stepMs.map((t) => t.toFixed(0)).join(', ')}; ratio ${(median(stepMs) / median(fwdMs)).toFixed(2)})`);

  if (process.env.PROFILE_REPLAY === '0') process.exit(0);
  const records: DispatchRecord[] = [];
  backend.ctx.profileRecords = records;
  await step();
  backend.ctx.profileRecords = null;
  const timings = await timeDispatches(backend.ctx, records);
  const total = timings.reduce((s, t) => s + t.ms, 0);
  console.log(`profiled step: ${records.length} dispatches, summed replay time ${total.toFixed(0)} ms`);

  const print = (title: string, rows: ReturnType<typeof summarize>) => {
    console.log(`\n${title}`);
    for (const r of rows.slice(0, TOP)) {
      console.log(`${(100 * r.ms / total).toFixed(1).padStart(5)}%  ${r.ms.toFixed(1).padStart(8)} ms  x${String(r.count).padEnd(4)} ${r.key}`);
    }
  };
  print('by kernel', summarize(timings, (t) => t.label));
  print('by backend primitive (op and sizes)', summarize(timings, (t) => `${t.tag.split(' ')[0]}`));
  print('by kernel + call', summarize(timings, (t) => `${t.label}  <- ${t.tag}`));
  if (process.env.PROFILE_JSON) writeFileSync(process.env.PROFILE_JSON, JSON.stringify({ stepMs, fwdMs, timings }, null, 1));
  process.exit(0);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * Model training-step benchmarks (docs/benchmarks.md): for ivadomed's 2D Unet (in 1, out 1,
 * depth 3, n_filters 16 and 64, batch 4 x 1 x 128 x 128) and Modified3DUNet (n_filters 16,
 * 1 x 1 x 32^3): training-mode forward + Dice loss ms, one full training step ms (forward, Dice
 * loss, backward, Adam), peak GPU memory, and live GPU memory after each step (it must not grow).
 * The same 2D Unet built from TF.js ops (bench/tfjs-unet.ts) runs on TF.js's WebGPU backend on the
 * same Dawn adapter in the same process; the target is a training step >= 5x faster than TF.js.
 * Run with `npm run bench -- models`; prints a table and writes bench-results/models.json.
 *
 * Timing, both sides the same: each forward / step ends with reading the loss back to the host
 * (so the time is end-to-end, GPU work included); median (and minimum) of the timed runs after
 * warm-up runs (pipeline compilation, Adam state allocation). Memory: resetPeakMemory after the
 * warm-up, then the engine's memory('webgpu') (bytes held by live tensors) after each timed step;
 * growth = live bytes after the last step - after the first. TF.js's tf.memory().numBytes is
 * reported the same way.
 *
 * Env: BENCH_QUICK=1 shrinks step counts (1 warm-up, 3 steps everywhere); BENCH_TFJS=0 skips
 * TF.js; BENCH_ONLY=unet16,unet64,m3d16 picks configurations (comma-separated keys).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { describe, expect, it } from 'vitest';
import type * as TfCore from '@tensorflow/tfjs-core';
import {
  gt, manualSeed, memory, rand, randn, resetPeakMemory, scope, setBackend, type Tensor,
} from '../src/engine/index';
import { acquireNodeDevice, nodeGPU } from '../src/engine/webgpu/node';
import { adapterName } from '../src/engine/webgpu/device';
import { Unet } from '../src/nn/models/unet';
import { Modified3DUNet } from '../src/nn/models/modified3dunet';
import { diceLoss as makeDiceLoss } from '../src/nn/losses';
import type { Module } from '../src/nn/module';
import { Adam } from '../src/train/optim';
import { TfjsUnet } from './tfjs-unet';

const QUICK = process.env.BENCH_QUICK === '1';
const WITH_TFJS = process.env.BENCH_TFJS !== '0';
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
/** The requirement: live memory checked across 20 steps (on the small configurations). */
const GROWTH_STEPS = QUICK ? 3 : 20;
const TARGET_RATIO = 5;

type Tf = typeof TfCore;

interface Config {
  key: string;
  name: string;
  /** [N, C, spatial...] */
  input: number[];
  build: () => Promise<Module & { forward(x: Tensor): Tensor }>;
  /** Timed training steps for our engine (the memory check runs over these). */
  steps: number;
  forwards: number;
  warmup: number;
  /** TF.js counterpart (2D Unet only), or null. */
  tfjs: { depth: number; nFilters: number } | null;
  tfjsSteps: number;
}

interface Timing {
  medianMs: number;
  minMs: number;
  runs: number;
}

interface OursResult {
  forward: Timing;
  step: Timing;
  peakBytes: number;
  liveBytesPerStep: number[];
  growthBytes: number;
  parameters: number;
  lastLoss: number;
}

interface TfjsResult {
  forward: Timing;
  step: Timing;
  numBytesPerStep: number[];
  growthBytes: number;
  lastLoss: number;
}

function progress(msg: string): void {
  process.stderr.write(`[bench models] ${msg}\n`);
}

/** warm-up runs, then `runs` timed ones; each call must end with a host readback. */
async function timeRuns(run: () => Promise<void>, warmup: number, runs: number, after?: () => void): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
    after?.();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { medianMs, minMs: sorted[0], runs };
}

/** ivadomed DiceLoss (smooth 1): -(2·Σ(p·t) + 1) / (Σp + Σt + 1) over the whole batch. */
const diceLoss = makeDiceLoss();

const configs: Config[] = [
  {
    key: 'unet16', name: 'Unet 2D nf16 4x1x128x128', input: [4, 1, 128, 128],
    build: async () => new Unet({ depth: 3, nFilters: 16, inChannel: 1, outChannel: 1 }),
    steps: GROWTH_STEPS, forwards: QUICK ? 3 : 5, warmup: QUICK ? 1 : 2, tfjs: { depth: 3, nFilters: 16 }, tfjsSteps: QUICK ? 2 : 3,
  },
  {
    key: 'unet64', name: 'Unet 2D nf64 4x1x128x128', input: [4, 1, 128, 128],
    build: async () => new Unet({ depth: 3, nFilters: 64, inChannel: 1, outChannel: 1 }),
    // Tens of seconds to minutes per step on a software adapter: few runs.
    steps: QUICK ? 2 : 3, forwards: 2, warmup: 1, tfjs: { depth: 3, nFilters: 64 }, tfjsSteps: QUICK ? 1 : 2,
  },
  {
    key: 'm3d16', name: 'Modified3DUNet nf16 1x1x32^3', input: [1, 1, 32, 32, 32],
    build: async () => new Modified3DUNet({ inChannel: 1, outChannel: 1, nFilters: 16 }),
    steps: GROWTH_STEPS, forwards: QUICK ? 3 : 5, warmup: QUICK ? 1 : 2, tfjs: null, tfjsSteps: 0,
  },
];

async function benchOurs(c: Config): Promise<OursResult> {
  manualSeed(1);
  const model = (await c.build()).train();
  const params = model.parameters();
  const opt = new Adam(params, { lr: 1e-3 });
  const [x, target] = scope(() => [randn(c.input).keep(), gt(rand(c.input), 0.5).keep()]);
  let lastLoss = NaN;

  const forward = await timeRuns(async () => {
    const loss = scope(() => diceLoss(model.forward(x), target));
    lastLoss = await loss.item();
    loss.dispose();
  }, 1, c.forwards);
  progress(`${c.name} ours forward ${forward.medianMs.toFixed(0)} ms`);

  const step = async () => {
    const loss = scope(() => {
      const l = diceLoss(model.forward(x), target);
      l.backward();
      opt.step();
      opt.zeroGrad();
      return l;
    });
    lastLoss = await loss.item();
    loss.dispose();
  };
  for (let i = 0; i < c.warmup; i++) await step();
  resetPeakMemory('webgpu');
  const liveBytesPerStep: number[] = [];
  const timed = await timeRuns(step, 0, c.steps, () => liveBytesPerStep.push(memory('webgpu').liveBytes));
  const peakBytes = memory('webgpu').peakBytes;
  progress(`${c.name} ours step ${timed.medianMs.toFixed(0)} ms, peak ${(peakBytes / 2 ** 20).toFixed(1)} MiB, loss ${lastLoss.toFixed(4)}`);

  opt.dispose();
  for (const p of params) p.dispose();
  for (const [, b] of model.namedBuffers()) b.dispose();
  x.dispose();
  target.dispose();
  return {
    forward, step: timed, peakBytes, liveBytesPerStep,
    growthBytes: liveBytesPerStep[liveBytesPerStep.length - 1] - liveBytesPerStep[0],
    parameters: params.reduce((n, p) => n + p.size, 0), lastLoss,
  };
}

async function loadTfjs(): Promise<Tf> {
  const gpu = await nodeGPU();
  // Node 20 has no navigator; TF.js's WebGPU backend looks for navigator.gpu (as in engine.bench.ts).
  if (!(globalThis as { navigator?: unknown }).navigator) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
  }
  const tf = await import('@tensorflow/tfjs-core');
  // tfjs-core alone registers no gradients (the @tensorflow/tfjs bundle imports this module).
  await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not initialise its WebGPU backend');
  await tf.ready();
  return tf;
}

async function benchTfjs(tf: Tf, c: Config): Promise<TfjsResult> {
  const [n, , h, w] = c.input;
  const net = new TfjsUnet(tf, { depth: c.tfjs!.depth, nFilters: c.tfjs!.nFilters, inChannel: 1, outChannel: 1 });
  const x = tf.randomNormal([n, h, w, 1]) as TfCore.Tensor4D;
  const target = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([n, h, w, 1]), 0.5), 'float32')) as TfCore.Tensor4D;
  let lastLoss = NaN;
  try {
    const forward = await timeRuns(async () => { lastLoss = await net.forwardLoss(x, target); }, 1, Math.min(c.forwards, 3));
    progress(`${c.name} TF.js forward ${forward.medianMs.toFixed(0)} ms`);
    // One warm-up step allocates Adam's moments; then the timed steps.
    await net.trainStep(x, target);
    const numBytesPerStep: number[] = [];
    const step = await timeRuns(async () => { lastLoss = await net.trainStep(x, target); }, 0, c.tfjsSteps, () => numBytesPerStep.push(tf.memory().numBytes));
    progress(`${c.name} TF.js step ${step.medianMs.toFixed(0)} ms, loss ${lastLoss.toFixed(4)}`);
    return { forward, step, numBytesPerStep, growthBytes: numBytesPerStep[numBytesPerStep.length - 1] - numBytesPerStep[0], lastLoss };
  } finally {
    net.dispose();
    x.dispose();
    target.dispose();
  }
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);
const ms = (t: Timing | undefined) => (t ? t.medianMs.toFixed(0) : '-');

describe('model benchmarks', () => {
  it('Unet / Modified3DUNet forward and training step, ours vs TF.js WebGPU', async () => {
    const acquired = await acquireNodeDevice();
    const adapter = adapterName(acquired.report);
    setBackend('webgpu', { device: acquired.device });
    const loadBefore = loadavg()[0];
    let tf: Tf | null = null;
    let tfjsLoadError: string | null = null;
    if (WITH_TFJS) {
      try {
        tf = await loadTfjs();
      } catch (e) {
        tfjsLoadError = String((e as Error).message ?? e);
      }
    }

    const results: Array<Record<string, unknown>> = [];
    const lines: string[] = [];
    for (const c of configs.filter((k) => ONLY.length === 0 || ONLY.includes(k.key))) {
      let ours: OursResult | null = null;
      let oursError: string | null = null;
      try {
        ours = await benchOurs(c);
      } catch (e) {
        oursError = String((e as Error).stack ?? e);
        progress(`${c.name} ours failed: ${oursError}`);
      }
      let theirs: TfjsResult | null = null;
      let tfjsError: string | null = c.tfjs && WITH_TFJS ? tfjsLoadError : null;
      if (c.tfjs && tf) {
        try {
          theirs = await benchTfjs(tf, c);
        } catch (e) {
          tfjsError = String((e as Error).message ?? e);
          progress(`${c.name} TF.js failed: ${tfjsError}`);
        }
      }
      const ratio = ours && theirs ? theirs.step.medianMs / ours.step.medianMs : null;
      results.push({
        key: c.key, name: c.name, input: c.input, oursError,
        ours: ours && {
          parameters: ours.parameters,
          forwardMs: +ours.forward.medianMs.toFixed(1), forwardMinMs: +ours.forward.minMs.toFixed(1), forwardRuns: ours.forward.runs,
          stepMs: +ours.step.medianMs.toFixed(1), stepMinMs: +ours.step.minMs.toFixed(1), stepRuns: ours.step.runs,
          peakBytes: ours.peakBytes, liveBytesPerStep: ours.liveBytesPerStep, growthBytes: ours.growthBytes, lastLoss: ours.lastLoss,
        },
        tfjs: theirs && {
          forwardMs: +theirs.forward.medianMs.toFixed(1), forwardMinMs: +theirs.forward.minMs.toFixed(1), forwardRuns: theirs.forward.runs,
          stepMs: +theirs.step.medianMs.toFixed(1), stepMinMs: +theirs.step.minMs.toFixed(1), stepRuns: theirs.step.runs,
          numBytesPerStep: theirs.numBytesPerStep, growthBytes: theirs.growthBytes, lastLoss: theirs.lastLoss,
        },
        tfjsError,
        stepRatioTfjsOverOurs: ratio === null ? null : +ratio.toFixed(2),
        meetsTarget: ratio === null ? null : ratio >= TARGET_RATIO,
      });
      if (!ours) {
        lines.push(`${c.name.padEnd(30)} FAILED: ${oursError!.split('\n')[0]}`);
        continue;
      }
      lines.push(
        `${c.name.padEnd(30)} ${ms(ours.forward).padStart(8)} ${ms(ours.step).padStart(8)} ${mib(ours.peakBytes).padStart(9)} ` +
        `${`${ours.growthBytes} B/${ours.step.runs}`.padStart(10)} ${ms(theirs?.forward).padStart(9)} ${ms(theirs?.step).padStart(9)} ` +
        `${(ratio === null ? '-' : `${ratio.toFixed(2)}x`).padStart(8)}` + (tfjsError ? `  TF.js failed: ${tfjsError.split('\n')[0]}` : ''),
      );
    }

    const load = { cpus: cpus().length, loadAverage1mBefore: +loadBefore.toFixed(2), loadAverage1mAfter: +loadavg()[0].toFixed(2) };
    const header =
      `adapter: ${adapter}\nCPU load average (1 min) ${load.loadAverage1mBefore} before, ${load.loadAverage1mAfter} after, ${load.cpus} CPUs; ` +
      `times are medians, ms, each ending with the loss read back; target: TF.js step / our step >= ${TARGET_RATIO}\n` +
      `${'model'.padEnd(30)} ${'fwd ms'.padStart(8)} ${'step ms'.padStart(8)} ${'peak MiB'.padStart(9)} ${'growth'.padStart(10)} ` +
      `${'TF.js fwd'.padStart(9)} ${'TF.js stp'.padStart(9)} ${'TF/ours'.padStart(8)}`;
    console.log([header, ...lines].join('\n'));
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/models.json', JSON.stringify({
      adapter, date: new Date().toISOString(), quick: QUICK, targetRatio: TARGET_RATIO, load, tfjsLoadError, results,
    }, null, 2));

    // The bench fails on what it exists to check: a model that errored, memory growing across steps.
    for (const r of results) {
      expect(r.oursError, `${r.name}`).toBeNull();
      const o = r.ours as { growthBytes: number } | null;
      if (o) expect(o.growthBytes, `${r.name}: live GPU bytes grew across training steps`).toBe(0);
    }
    expect(acquired.uncapturedErrors).toEqual([]);
  });
});

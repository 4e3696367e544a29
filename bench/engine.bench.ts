/**
 * Engine kernel benchmarks: GFLOP/s of our WebGPU matmul and convolutions (forward, grad-input,
 * grad-weight), and of the same layers in TensorFlow.js's WebGPU backend on the same Dawn adapter
 * in the same process. Run with `npm run bench -- engine`; prints a table and writes
 * bench-results/engine.json.
 *
 * Timing: median of timed runs after one warm-up: BENCH_OUR_REPS (default 5) for ours, BENCH_REPS
 * (default 2) for TF.js, whose 64^3 layers take tens of seconds on lavapipe; the JSON also has minima. Ours: encode + submit +
 * onSubmittedWorkDone (no readback). TF.js: the op (or its backprop kernel) + `await data()`.
 * FLOPs = 2 x multiply-adds, the same count for all three convolution passes.
 * BENCH_TFJS=0 skips TF.js. BENCH_ONLY=matmul runs only the matmul row (seconds; for kernel work)
 * and writes bench-results/engine-matmul.json instead of engine.json.
 *
 * What the matmul time is (measured on lavapipe, 2 CPUs, 2026-11-27): the kernel itself. An empty
 * submit + onSubmittedWorkDone costs ~0.03 ms, and 10 back-to-back dispatches per sync take as long
 * each (32-37 ms) as one dispatch per sync, so this latency timing is not unfair to short kernels.
 * Awaiting a Dawn promise on Node busy-polls unless the engine's poll backoff (src/engine/webgpu/
 * wait.ts, on by default) makes the poll sleep after 1 ms; with a software adapter on 2 CPUs the
 * spinning host takes a CPU from lavapipe (awaited matmul ~40 ms busy-polled vs ~20 ms with the
 * host asleep). Rows: "matmul 512^3" is awaited as the engine does it (with the backoff);
 * "(Dawn busy-poll)" is the same with the backoff off, for comparison; "(host asleep while it
 * runs)" sleeps for most of the kernel before syncing (see there). The JSON's smallOpLatency gives
 * the mean time of 200 tiny add + item() round trips with and without the backoff (the backoff must
 * not slow small syncs). The minima in the JSON are the better measure on a shared machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { describe, expect, it } from 'vitest';
import { acquireNodeDevice, nodeGPU } from '../src/engine/webgpu/node';
import { adapterName } from '../src/engine/webgpu/device';
import { GpuContext } from '../src/engine/webgpu/context';
import { encodeMatmul } from '../src/engine/webgpu/kernels/matmul';
import { encodeConvForward, encodeConvGradInput, encodeConvGradWeight } from '../src/engine/webgpu/kernels/conv';
import { convOutputSize, type ConvGeometry } from '../src/engine/cpu/conv';
import { setTileVariantForTesting, tileVariant, type TileVariant } from '../src/engine/webgpu/kernels/conv_common';
import { setPollBackoff } from '../src/engine/webgpu/wait';
import { add, setBackend, tensor, webgpuBackend } from '../src/engine';

const REPS = Number(process.env.BENCH_REPS ?? 2);
/** Our kernels take seconds at most, so they get more timed runs (the machine may be shared). */
const OUR_REPS = Number(process.env.BENCH_OUR_REPS ?? 5);
const WITH_TFJS = process.env.BENCH_TFJS !== '0';
/** Substring filter on layer names (e.g. BENCH_LAYERS=conv3d); matmul always runs. */
const LAYER_FILTER = process.env.BENCH_LAYERS ?? '';
/** BENCH_ONLY=matmul: the matmul row only (no convolutions). */
const ONLY_MATMUL = process.env.BENCH_ONLY === 'matmul';

interface Row {
  name: string;
  gflop: number;
  oursMs: number;
  oursMinMs: number;
  tfjsMs: number | null;
  tfjsMinMs: number | null;
}

const prod = (v: number[]) => v.reduce((a, b) => a * b, 1);

/** Progress on stderr as each measurement finishes (vitest shows console.log only at the end). */
function progress(label: string, ms: number): void {
  process.stderr.write(`[bench] ${label}: ${ms.toFixed(1)} ms\n`);
}

/** Minimum of the last timing run of median() (the best case, less sensitive to a busy CPU). */
let lastMin = 0;

async function median(run: () => Promise<void>, reps = REPS): Promise<number> {
  await run(); // warm-up: pipeline compilation, allocation
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  lastMin = times[0];
  const mid = Math.floor(times.length / 2);
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

function randomFill(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

const layers: { name: string; g: ConvGeometry }[] = [
  { name: 'conv2d 3x3 N4 64->64 128x128', g: { n: 4, cIn: 64, cOut: 64, inSize: [128, 128], kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] } },
  { name: 'conv3d 3x3x3 N1 16->16 64^3', g: { n: 1, cIn: 16, cOut: 16, inSize: [64, 64, 64], kernel: [3, 3, 3], stride: [1, 1, 1], padding: [1, 1, 1], dilation: [1, 1, 1] } },
];

type Tf = typeof import('@tensorflow/tfjs-core');

async function loadTfjs(): Promise<Tf> {
  const gpu = await nodeGPU();
  // Node 20 has no navigator; TF.js's WebGPU backend looks for navigator.gpu.
  if (!(globalThis as { navigator?: unknown }).navigator) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
  }
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  const ok = await tf.setBackend('webgpu');
  if (!ok) throw new Error('TF.js could not initialise its WebGPU backend');
  await tf.ready();
  return tf;
}

/**
 * Mean time of `count` round trips of a tiny add + item() through the engine, with the poll backoff
 * and with Dawn's busy polling, interleaved in blocks of 20 so machine load hits both alike.
 */
async function timeSmallOps(device: GPUDevice, count = 200): Promise<{ count: number; withBackoffMs: number; busyPollMs: number }> {
  setBackend('webgpu', { device });
  const x = tensor([1]);
  const roundTrip = async () => {
    const y = add(x, x);
    if ((await y.item()) !== 2) throw new Error('tiny add read back a wrong value');
    y.dispose();
  };
  for (let i = 0; i < 20; i++) await roundTrip(); // warm-up: pipeline compilation
  const totals = { on: 0, off: 0 };
  const backoff = setPollBackoff(null);
  for (let block = 0; block < count / 20; block++) {
    for (const mode of ['on', 'off'] as const) {
      setPollBackoff(mode === 'on' ? backoff : null);
      const t0 = performance.now();
      for (let i = 0; i < 20; i++) await roundTrip();
      totals[mode] += performance.now() - t0;
    }
  }
  setPollBackoff(backoff);
  x.dispose();
  // Close the engine's error scopes, so later errors reach acquired.uncapturedErrors again.
  webgpuBackend()?.dispose();
  setBackend('cpu');
  return { count, withBackoffMs: totals.on / count, busyPollMs: totals.off / count };
}

describe('engine benchmarks', () => {
  it('matmul and convolution GFLOP/s, ours vs TF.js WebGPU', async () => {
    const acquired = await acquireNodeDevice();
    const adapter = adapterName(acquired.report);
    const device = acquired.device;
    const ctx = new GpuContext(device);
    // BENCH_VARIANT=plain|subgroups forces the tiled kernels' row-load variant (default: automatic).
    if (process.env.BENCH_VARIANT) setTileVariantForTesting(ctx, process.env.BENCH_VARIANT as TileVariant);
    const rows: Row[] = [];
    // Software adapters share the CPU with everything else: record how busy it was.
    const loadBefore = loadavg()[0];
    const buf = (data: Float32Array) => {
      const b = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
      device.queue.writeBuffer(b, 0, data as Float32Array<ArrayBuffer>);
      return b;
    };
    const tf = WITH_TFJS ? await loadTfjs() : null;

    // matmul 512^3
    {
      const n = 512;
      const a = buf(randomFill(n * n)), b = buf(randomFill(n * n)), c = buf(new Float32Array(n * n));
      const oursMs = await median(async () => {
        encodeMatmul(ctx, a, b, c, { batch: 1, m: n, k: n, n });
        await ctx.sync();
      }, OUR_REPS);
      const oursMinMs = lastMin;
      // The same awaited dispatch with Dawn's own busy polling (the engine's backoff off).
      const backoff = setPollBackoff(null);
      const busyMs = await median(async () => {
        encodeMatmul(ctx, a, b, c, { batch: 1, m: n, k: n, n });
        await ctx.sync();
      }, OUR_REPS);
      const busyMinMs = lastMin;
      setPollBackoff(backoff);
      // Second, labelled row: the same dispatch timed with the host thread asleep for most of it.
      // Awaiting onSubmittedWorkDone makes Dawn's Node binding poll in a busy loop, which on a
      // 2-CPU machine takes one CPU from lavapipe's worker threads (the process burns ~2x the CPU
      // time): measured here, a matmul that finishes in ~22 ms when the host sleeps takes ~45 ms
      // when it is awaited at once. This row sleeps (setTimeout, nothing pending in Dawn) for 75% of
      // the fastest time so far (starting from 75% of the row above's minimum; a sleep can only
      // lower the estimate, never hide a slower kernel, since the time is at least the kernel's),
      // then syncs; the time is sleep + remaining wait. It is what the
      // kernel costs when the host does not compete for the CPUs (e.g. a worker busy elsewhere),
      // not what one awaited call costs (that is the row above).
      let estimate = oursMinMs;
      const hostIdleMs = await median(async () => {
        const t0 = performance.now();
        encodeMatmul(ctx, a, b, c, { batch: 1, m: n, k: n, n });
        ctx.flush();
        await new Promise((res) => setTimeout(res, 0.75 * estimate));
        await ctx.sync();
        estimate = Math.min(estimate, performance.now() - t0);
      }, OUR_REPS);
      const hostIdleMinMs = lastMin;
      let tfjsMs: number | null = null;
      let tfjsMinMs: number | null = null;
      if (tf) {
        const ta = tf.randomUniform([n, n]), tb = tf.randomUniform([n, n]);
        tfjsMs = await median(async () => {
          const out = tf.matMul(ta, tb);
          await out.data();
          out.dispose();
        }, Math.max(REPS, 3));
        tfjsMinMs = lastMin;
        ta.dispose(); tb.dispose();
      }
      progress('matmul 512^3 ours', oursMs);
      if (tfjsMs !== null) progress('matmul 512^3 TF.js', tfjsMs);
      rows.push({ name: 'matmul 512^3', gflop: (2 * n * n * n) / 1e9, oursMs, oursMinMs, tfjsMs, tfjsMinMs });
      progress('matmul 512^3 ours, Dawn busy-poll', busyMs);
      rows.push({ name: 'matmul 512^3 (Dawn busy-poll)', gflop: (2 * n * n * n) / 1e9, oursMs: busyMs, oursMinMs: busyMinMs, tfjsMs: null, tfjsMinMs: null });
      progress('matmul 512^3 ours, host asleep while it runs', hostIdleMs);
      rows.push({ name: 'matmul 512^3 (host asleep while it runs)', gflop: (2 * n * n * n) / 1e9, oursMs: hostIdleMs, oursMinMs: hostIdleMinMs, tfjsMs: null, tfjsMinMs: null });
      for (const x of [a, b, c]) x.destroy();
    }

    // Small syncs: a training loop reads a loss (a tiny kernel + readback) every step.
    const smallOpLatency = await timeSmallOps(device);
    progress('tiny add + item(), with backoff', smallOpLatency.withBackoffMs);
    progress('tiny add + item(), Dawn busy-poll', smallOpLatency.busyPollMs);

    for (const { name, g } of layers.filter((l) => !ONLY_MATMUL && l.name.includes(LAYER_FILTER))) {
      const out = convOutputSize(g);
      const xLen = g.n * g.cIn * prod(g.inSize), wLen = g.cOut * g.cIn * prod(g.kernel), yLen = g.n * g.cOut * prod(out);
      const gflop = (2 * g.n * g.cOut * prod(out) * g.cIn * prod(g.kernel)) / 1e9;
      const x = buf(randomFill(xLen)), w = buf(randomFill(wLen)), y = buf(new Float32Array(yLen));
      const dy = buf(randomFill(yLen)), dx = buf(new Float32Array(xLen)), dw = buf(new Float32Array(wLen));
      const fwd = await median(async () => { encodeConvForward(ctx, x, w, null, y, g); await ctx.sync(); }, OUR_REPS);
      const fwdMin = lastMin;
      progress(`ours ${name} forward`, fwd);
      const gin = await median(async () => { encodeConvGradInput(ctx, dy, w, dx, g); await ctx.sync(); }, OUR_REPS);
      const ginMin = lastMin;
      progress(`ours ${name} grad-input`, gin);
      const gw = await median(async () => { encodeConvGradWeight(ctx, x, dy, dw, g); await ctx.sync(); }, OUR_REPS);
      const gwMin = lastMin;
      progress(`ours ${name} grad-weight`, gw);
      let tfTimes: [number, number, number] | null = null;
      const tfMins: number[] = [];
      if (tf) {
        const is3d = g.inSize.length === 3;
        // TF.js layouts: NHWC / NDHWC, filters [k..., cIn, cOut]; 'same' padding = pad 1 for 3x3.
        const xShape = [g.n, ...g.inSize, g.cIn];
        const tx = tf.randomUniform(xShape), tw = tf.randomUniform([...g.kernel, g.cIn, g.cOut]);
        const tdy = tf.randomUniform([g.n, ...out, g.cOut]);
        const strides = is3d ? [1, 1, 1] : [1, 1];
        const time = async (label: string, f: () => import('@tensorflow/tfjs-core').Tensor) => {
          const ms = await median(async () => {
            const r = f();
            await r.data();
            r.dispose();
          });
          tfMins.push(lastMin);
          progress(`TF.js ${name} ${label}`, ms);
          return ms;
        };
        const e = tf.engine();
        if (is3d) {
          tfTimes = [
            await time('forward', () => tf.conv3d(tx as never, tw as never, 1, 'same')),
            await time('grad-input', () => e.runKernel('Conv3DBackpropInputV2', { dy: tdy, filter: tw }, { strides, pad: 'same', inputShape: xShape }) as never),
            await time('grad-weight', () => e.runKernel('Conv3DBackpropFilterV2', { x: tx, dy: tdy }, { strides, pad: 'same', filterShape: tw.shape }) as never),
          ];
        } else {
          tfTimes = [
            await time('forward', () => tf.conv2d(tx as never, tw as never, 1, 'same')),
            await time('grad-input', () => e.runKernel('Conv2DBackpropInput', { dy: tdy, filter: tw }, { strides, pad: 'same', dataFormat: 'NHWC', inputShape: xShape }) as never),
            await time('grad-weight', () => e.runKernel('Conv2DBackpropFilter', { x: tx, dy: tdy }, { strides, pad: 'same', dataFormat: 'NHWC', filterShape: tw.shape }) as never),
          ];
        }
        tx.dispose(); tw.dispose(); tdy.dispose();
      }
      rows.push({ name: `${name} forward`, gflop, oursMs: fwd, oursMinMs: fwdMin, tfjsMs: tfTimes?.[0] ?? null, tfjsMinMs: tfMins[0] ?? null });
      rows.push({ name: `${name} grad-input`, gflop, oursMs: gin, oursMinMs: ginMin, tfjsMs: tfTimes?.[1] ?? null, tfjsMinMs: tfMins[1] ?? null });
      rows.push({ name: `${name} grad-weight`, gflop, oursMs: gw, oursMinMs: gwMin, tfjsMs: tfTimes?.[2] ?? null, tfjsMinMs: tfMins[2] ?? null });
      for (const b of [x, w, y, dy, dx, dw]) b.destroy();
    }

    const matmulRate = rows[0].gflop / (rows[0].oursMs / 1e3);
    const results = rows.map((r) => {
      const ours = r.gflop / (r.oursMs / 1e3);
      const theirs = r.tfjsMs === null ? null : r.gflop / (r.tfjsMs / 1e3);
      return {
        name: r.name,
        gflop: +r.gflop.toFixed(3),
        oursMs: +r.oursMs.toFixed(1),
        oursMinMs: +r.oursMinMs.toFixed(1),
        oursGflops: +ours.toFixed(2),
        tfjsMs: r.tfjsMs === null ? null : +r.tfjsMs.toFixed(1),
        tfjsMinMs: r.tfjsMinMs === null ? null : +r.tfjsMinMs.toFixed(1),
        tfjsGflops: theirs === null ? null : +theirs.toFixed(2),
        ratioOursOverTfjs: theirs === null ? null : +(ours / theirs).toFixed(2),
        fractionOfOurMatmul: +(ours / matmulRate).toFixed(2),
      };
    });
    const convResults = results.filter((r) => !r.name.startsWith('matmul'));
    // With BENCH_ONLY=matmul there are no convolution rows, so their targets are not reported.
    const targets = ONLY_MATMUL ? { matmulAtLeast10: matmulRate >= 10 } : {
      matmulAtLeast10: matmulRate >= 10,
      convsAtLeastHalfMatmul: convResults.every((r) => r.fractionOfOurMatmul >= 0.5),
      convsFasterThanTfjs: convResults.every((r) => r.ratioOursOverTfjs === null || r.ratioOursOverTfjs > 1),
    };
    const load = { cpus: cpus().length, loadAverage1mBefore: +loadBefore.toFixed(2), loadAverage1mAfter: +loadavg()[0].toFixed(2) };
    const header = `adapter: ${adapter}\ntile variant: ${tileVariant(ctx)}; CPU load average (1 min) ${load.loadAverage1mBefore} before, ${load.loadAverage1mAfter} after, ${load.cpus} CPUs\n` +
      `${'layer'.padEnd(44)} ${'GFLOP'.padStart(6)} ${'ours ms'.padStart(9)} ${'GFLOP/s'.padStart(8)} ${'TF.js ms'.padStart(9)} ${'GFLOP/s'.padStart(8)} ${'ours/TF.js'.padStart(10)} ${'/matmul'.padStart(8)}`;
    const lines = results.map((r) =>
      `${r.name.padEnd(44)} ${r.gflop.toFixed(2).padStart(6)} ${r.oursMs.toFixed(1).padStart(9)} ${r.oursGflops.toFixed(2).padStart(8)} ` +
      `${(r.tfjsMs?.toFixed(1) ?? '-').padStart(9)} ${(r.tfjsGflops?.toFixed(2) ?? '-').padStart(8)} ${(r.ratioOursOverTfjs?.toFixed(2) ?? '-').padStart(10)} ${r.fractionOfOurMatmul.toFixed(2).padStart(8)}`,
    );
    const smallLine = `tiny add + item() round trip (mean of ${smallOpLatency.count}): ${smallOpLatency.withBackoffMs.toFixed(3)} ms with backoff, ${smallOpLatency.busyPollMs.toFixed(3)} ms Dawn busy-poll`;
    console.log([header, ...lines, smallLine, `targets: ${JSON.stringify(targets)}`].join('\n'));
    mkdirSync('bench-results', { recursive: true });
    writeFileSync(ONLY_MATMUL ? 'bench-results/engine-matmul.json' : 'bench-results/engine.json', JSON.stringify({ adapter, tileVariant: tileVariant(ctx), date: new Date().toISOString(), reps: { ours: OUR_REPS, tfjs: REPS }, load, results, smallOpLatency, targets }, null, 2));
    expect(acquired.uncapturedErrors).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { promisify } from 'node:util';
import { testDevice } from '../../../test/gpu';
import { createPollScheduler, installPollBackoff, setPollBackoff, type PollBackoff } from './wait';

/** A fake event loop: records what was scheduled how, and runs it on demand. */
function fakeLoop(backoff: PollBackoff | null = { spinMs: 1, intervalMs: 1 }) {
  let now = 0;
  const queue: { kind: 'immediate' | 'timeout'; ms: number; run: () => void }[] = [];
  const poller = () => {};
  const scheduler = createPollScheduler({
    setImmediate: (cb, ...args) => queue.push({ kind: 'immediate', ms: 0, run: () => cb(...args) }),
    setTimeout: (cb, ms) => {
      const handle = { ms };
      queue.push({ kind: 'timeout', ms, run: cb });
      return handle;
    },
    now: () => now,
    isPoller: (cb) => cb === poller || cb.name === 'dawnPoll',
  }, backoff);
  return {
    scheduler,
    queue,
    advance: (ms: number) => { now += ms; },
    /** Runs the oldest scheduled callback; returns how it had been scheduled. */
    runNext: () => {
      const next = queue.shift()!;
      next.run();
      return next;
    },
  };
}

/** A Dawn-like poll loop: each poll takes `pollMs` and re-schedules itself `polls` times. */
function dawnPollLoop(loop: ReturnType<typeof fakeLoop>, polls: number, pollMs: number): void {
  let left = polls;
  const dawnPoll = () => {
    loop.advance(pollMs);
    if (--left > 0) loop.scheduler.setImmediate(dawnPoll);
  };
  loop.scheduler.setImmediate(dawnPoll);
}

describe('poll backoff (wait.ts)', () => {
  it('spins for spinMs of a poll chain, then polls on timers of intervalMs', () => {
    const loop = fakeLoop({ spinMs: 1, intervalMs: 1 });
    dawnPollLoop(loop, 8, 0.3); // polls end at 0.3, 0.6, 0.9, 1.2, ... ms into the chain
    const kinds: string[] = [];
    while (loop.queue.length) {
      const { kind, ms } = loop.runNext();
      kinds.push(kind === 'timeout' ? `timeout(${ms})` : kind);
    }
    // The chain start and re-schedules before 1 ms are immediate; from 1.2 ms on, timers.
    expect(kinds).toEqual(['immediate', 'immediate', 'immediate', 'immediate', 'timeout(1)', 'timeout(1)', 'timeout(1)', 'timeout(1)']);
    expect(loop.scheduler.stats).toEqual({ chains: 1, immediate: 4, timed: 4 });
  });

  it('starts a new chain (immediate again) for a poll scheduled outside a running poll', () => {
    const loop = fakeLoop({ spinMs: 1, intervalMs: 2 });
    dawnPollLoop(loop, 3, 5);
    expect(loop.runNext().kind).toBe('immediate');
    expect(loop.runNext()).toMatchObject({ kind: 'timeout', ms: 2 });
    loop.runNext();
    expect(loop.queue).toHaveLength(0);
    dawnPollLoop(loop, 2, 5); // a later wait: its first poll is immediate
    expect(loop.runNext().kind).toBe('immediate');
    expect(loop.scheduler.stats.chains).toBe(2);
  });

  it('keeps the spin phase per chain: a second wait does not restart the first one\'s spinning', () => {
    const loop = fakeLoop({ spinMs: 1, intervalMs: 1 });
    dawnPollLoop(loop, 4, 2); // chain A: each poll takes 2 ms
    loop.runNext(); // A's first poll (at 0 ms); its re-schedule at 2 ms is a timer
    expect(loop.queue.map((q) => q.kind)).toEqual(['timeout']);
    dawnPollLoop(loop, 2, 2); // chain B starts outside any poll: immediate
    expect(loop.queue.map((q) => q.kind)).toEqual(['timeout', 'immediate']);
    loop.runNext(); // A's second poll re-schedules: still a timer
    expect(loop.queue.map((q) => q.kind)).toEqual(['immediate', 'timeout']);
    expect(loop.scheduler.stats.chains).toBe(2);
  });

  it('passes other callbacks, callbacks with arguments, and everything when disabled, straight through', () => {
    const loop = fakeLoop({ spinMs: 0, intervalMs: 1 });
    const seen: unknown[] = [];
    loop.scheduler.setImmediate(function userCallback(x) { seen.push(x); }, 42);
    loop.scheduler.setImmediate(function dawnPoll(x) { seen.push(x); }, 'arg'); // has an argument: not Dawn's
    expect(loop.queue.map((q) => q.kind)).toEqual(['immediate', 'immediate']);
    loop.runNext();
    loop.runNext();
    expect(seen).toEqual([42, 'arg']);
    expect(loop.scheduler.stats.chains).toBe(0);

    const off = fakeLoop(null);
    dawnPollLoop(off, 5, 10);
    const kinds: string[] = [];
    while (off.queue.length) kinds.push(off.runNext().kind);
    expect(kinds).toEqual(['immediate', 'immediate', 'immediate', 'immediate', 'immediate']);
    expect(off.scheduler.stats).toEqual({ chains: 0, immediate: 0, timed: 0 });
  });

  it('keeps the global setImmediate/clearImmediate/promisify working for other code', async () => {
    installPollBackoff();
    const order: number[] = [];
    await new Promise<void>((resolve) => setImmediate(() => { order.push(1); resolve(); }));
    const cancelled = setImmediate(() => order.push(2));
    clearImmediate(cancelled);
    expect(await promisify(setImmediate)('value')).toBe('value');
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([1]);
  });

  it('routes Dawn\'s own poll loop through the backoff, and waits still resolve with the right data', async () => {
    const acquired = await testDevice();
    if (!acquired) return;
    const scheduler = installPollBackoff()!;
    const dev = acquired.device;
    // spinMs 0: every re-schedule after the first poll is a timer, so a wait of any length shows one.
    const previous = setPollBackoff({ spinMs: 0, intervalMs: 1 });
    try {
      const before = { ...scheduler.stats };
      // A 32 MiB copy takes milliseconds on a software adapter: Dawn must poll more than once.
      const bytes = 32 << 20;
      const src = dev.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      const dst = dev.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      const read = dev.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      dev.queue.writeBuffer(src, 0, new Float32Array([1.5, -2, 3, 4]));
      const enc = dev.createCommandEncoder();
      enc.copyBufferToBuffer(src, 0, dst, 0, bytes);
      enc.copyBufferToBuffer(dst, 0, read, 0, 16);
      dev.queue.submit([enc.finish()]);
      await dev.queue.onSubmittedWorkDone();
      await read.mapAsync(GPUMapMode.READ);
      expect([...new Float32Array(read.getMappedRange())]).toEqual([1.5, -2, 3, 4]);
      read.unmap();
      for (const b of [src, dst, read]) b.destroy();
      // Dawn's poller was recognised (a chain started) and re-scheduled on timers.
      expect(scheduler.stats.chains - before.chains).toBeGreaterThanOrEqual(1);
      expect(scheduler.stats.timed - before.timed).toBeGreaterThanOrEqual(1);
      expect(acquired.uncapturedErrors).toEqual([]);
    } finally {
      setPollBackoff(previous);
    }
  });
});

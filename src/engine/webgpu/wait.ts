/**
 * Node only: stops Dawn's Node binding from busy-polling while the engine awaits GPU work.
 *
 * Why: in Dawn's Node binding (npm `webgpu`), every pending promise (queue.onSubmittedWorkDone,
 * buffer.mapAsync, popErrorScope) keeps a poll loop alive: each poll calls the native
 * ProcessEvents and re-schedules itself with the *global* `setImmediate`, so the host thread spins
 * at 100% until the GPU is done. With a software adapter (lavapipe, SwiftShader) the "GPU" is CPU
 * threads of this process, and on a 2-CPU machine the spinning host takes one of the two CPUs:
 * a 512^3 matmul took ~40 ms awaited and ~20 ms with the host asleep.
 *
 * How: Dawn looks `setImmediate` up on the global object at every re-schedule, so we wrap it.
 * A poll chain starts when Dawn schedules its first poll (from inside the native call that
 * created the promise); every call made *while one of those polls runs* is a re-schedule of the
 * same chain. For the first `spinMs` of a chain, re-schedules stay immediate (tiny workloads,
 * e.g. a loss.item() per training step, resolve as fast as before); after that, each poll is a
 * `setTimeout(intervalMs)`, so the host thread sleeps in the event loop between polls. The added
 * latency for long waits is at most about one interval (Node timers have 1 ms resolution).
 *
 * Only Dawn's poller is touched: it is recognised as a nameless native function scheduled with no
 * arguments, and only while a chain is running (first call passes straight through). Every other
 * setImmediate in the process is passed to the original untouched. Browsers have no busy poll and
 * no setImmediate: nothing is installed there.
 */

export interface PollBackoff {
  /** How long a poll chain keeps Dawn's immediate (busy) polling before sleeping between polls. */
  spinMs: number;
  /** Delay between polls after the spin phase (Node rounds timers below 1 ms up to 1 ms). */
  intervalMs: number;
}

/**
 * Measured on lavapipe (2 CPUs, shared): a tiny add + item() round trip takes 0.2-0.5 ms, so 1 ms of
 * spinning keeps small syncs as fast as before; a wait beyond it costs at most ~1 ms extra.
 */
export const DEFAULT_POLL_BACKOFF: PollBackoff = { spinMs: 1, intervalMs: 1 };

type Callback = (...args: unknown[]) => void;
type SetImmediateFn = (callback: Callback, ...args: unknown[]) => unknown;
type SetTimeoutFn = (callback: () => void, ms: number) => unknown;

export interface PollSchedulerDeps {
  setImmediate: SetImmediateFn;
  setTimeout: SetTimeoutFn;
  now: () => number;
  /** Whether `callback` (scheduled with no extra arguments) looks like Dawn's poller. */
  isPoller: (callback: Callback) => boolean;
}

export interface PollScheduler {
  /** Drop-in replacement for setImmediate. */
  setImmediate: SetImmediateFn;
  /** The policy in force; null = Dawn's own busy polling (the wrapper passes everything through). */
  backoff: PollBackoff | null;
  /** Poll chains started, and polls scheduled as immediates / as timers (for tests and benchmarks). */
  stats: { chains: number; immediate: number; timed: number };
  /** Handles returned for timed polls, so a clearImmediate of one can clear the timer. */
  isTimedHandle: (handle: unknown) => boolean;
}

/** The setImmediate wrapper, with its clock and timers injected (unit-testable without Dawn). */
export function createPollScheduler(deps: PollSchedulerDeps, backoff: PollBackoff | null = DEFAULT_POLL_BACKOFF): PollScheduler {
  /** Start time of the chain whose poll is running now; null outside Dawn's polls. */
  let runningChainStart: number | null = null;
  const timedHandles = new WeakSet<object>();

  const scheduler: PollScheduler = {
    backoff,
    stats: { chains: 0, immediate: 0, timed: 0 },
    isTimedHandle: (handle) => typeof handle === 'object' && handle !== null && timedHandles.has(handle),
    setImmediate(callback, ...args) {
      if (typeof callback !== 'function' || args.length > 0 || !scheduler.backoff || !deps.isPoller(callback)) {
        return deps.setImmediate(callback, ...args);
      }
      // Called from inside a poll: the next poll of that chain; otherwise a new chain (a new wait).
      const continues = runningChainStart !== null;
      const chainStart = runningChainStart ?? deps.now();
      if (!continues) scheduler.stats.chains++;
      // Runs Dawn's poll; any setImmediate it makes meanwhile belongs to this chain.
      const poll = () => {
        const outer = runningChainStart;
        runningChainStart = chainStart;
        try {
          callback();
        } finally {
          runningChainStart = outer;
        }
      };
      if (!continues || deps.now() - chainStart < scheduler.backoff.spinMs) {
        scheduler.stats.immediate++;
        return deps.setImmediate(poll);
      }
      scheduler.stats.timed++;
      const handle = deps.setTimeout(poll, scheduler.backoff.intervalMs);
      if (typeof handle === 'object' && handle !== null) timedHandles.add(handle);
      return handle;
    },
  };
  return scheduler;
}

/** Nameless native functions: what Dawn's N-API poll callback looks like to JavaScript. */
function isNativeAnonymous(callback: Callback): boolean {
  return callback.name === '' && Function.prototype.toString.call(callback).includes('[native code]');
}

let installed: PollScheduler | null = null;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof globalThis.setImmediate === 'function';
}

/**
 * Installs the backoff on Node (once per process; later calls return the same scheduler).
 * Returns null in browsers, where awaiting a WebGPU promise does not busy-poll.
 */
export function installPollBackoff(): PollScheduler | null {
  if (installed) return installed;
  if (!isNode()) return null;
  const originalSetImmediate = globalThis.setImmediate;
  const originalClearImmediate = globalThis.clearImmediate;
  // Captured now, so fake timers installed later (tests) cannot stall GPU waits.
  const originalSetTimeout = globalThis.setTimeout;
  const originalClearTimeout = globalThis.clearTimeout;
  const scheduler = createPollScheduler({
    setImmediate: (cb, ...args) => originalSetImmediate(cb, ...args),
    setTimeout: (cb, ms) => originalSetTimeout(cb, ms),
    now: () => performance.now(),
    isPoller: isNativeAnonymous,
  });
  const g = globalThis as unknown as { setImmediate: SetImmediateFn; clearImmediate: (h: unknown) => void };
  g.setImmediate = scheduler.setImmediate;
  // A handle we turned into a timer must still be cancellable with clearImmediate.
  g.clearImmediate = (handle: unknown) => {
    if (scheduler.isTimedHandle(handle)) originalClearTimeout(handle as ReturnType<typeof setTimeout>);
    else originalClearImmediate(handle as NodeJS.Immediate);
  };
  // util.promisify(setImmediate) must keep resolving on the original (Node's custom promisify).
  const promisifyCustom = Symbol.for('nodejs.util.promisify.custom');
  for (const [replacement, original] of [[g.setImmediate, originalSetImmediate], [g.clearImmediate, originalClearImmediate]] as const) {
    const custom = (original as unknown as Record<symbol, unknown>)[promisifyCustom];
    if (custom) (replacement as unknown as Record<symbol, unknown>)[promisifyCustom] = custom;
  }
  installed = scheduler;
  return scheduler;
}

/**
 * Changes the policy of the installed backoff (null: Dawn's own busy polling), returning the
 * previous one. For benchmarks and tests; a no-op returning null where nothing is installed.
 */
export function setPollBackoff(backoff: PollBackoff | null): PollBackoff | null {
  const scheduler = installPollBackoff();
  if (!scheduler) return null;
  const previous = scheduler.backoff;
  scheduler.backoff = backoff;
  return previous;
}

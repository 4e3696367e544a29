/**
 * Scheduler values against numbers worked out by hand from the torch.optim.lr_scheduler formulas,
 * the optimizer's lr being written at construction and on every step, and state()/load() resuming.
 */
import { describe, expect, it } from 'vitest';
import { createScheduler, type LrScheduler, type SchedulerConfig } from './schedulers';

const ctx = { numEpochs: 4, batchesPerEpoch: 3, initialLr: 1e-3 };

/** lr() at t = 0 (construction) .. n, checking that the optimizer's lr follows. */
function trace(s: LrScheduler, opt: { lr: number }, n: number): number[] {
  const out = [s.lr()];
  expect(opt.lr).toBe(s.lr());
  for (let t = 1; t <= n; t++) {
    s.step();
    expect(opt.lr).toBe(s.lr());
    out.push(s.lr());
  }
  return out;
}

function expectValues(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i], `t=${i}`).toBeCloseTo(e, 14));
}

describe('CosineAnnealingLR', () => {
  it('T_max = num_epochs, eta_min 0, base = initial_lr; base_lr/max_lr of the config ignored', () => {
    const opt = { lr: 1e-3 };
    // ivadomed's default config object: base_lr / max_lr are present and ignored.
    const s = createScheduler({ name: 'CosineAnnealingLR', base_lr: 1e-5, max_lr: 1e-2 }, opt, ctx);
    expect(s.perBatch).toBe(false);
    // lr_t = 1e-3 (1 + cos(pi t / 4)) / 2:
    //   t=0: 1e-3; t=1: 1e-3 (1 + 0.7071067811865476)/2 = 8.535533905932737e-4; t=2: 5e-4;
    //   t=3: 1e-3 (1 - 0.7071067811865476)/2 = 1.4644660940672624e-4; t=4: 0;
    //   t=5: past T_max PyTorch's recursion climbs back: lr_4 + 1e-3 (1 - cos(pi/4))/2 = 1.4644660940672624e-4.
    expectValues(trace(s, opt, 5), [1e-3, 8.535533905932737e-4, 5e-4, 1.4644660940672624e-4, 0, 1.4644660940672624e-4]);
  });

  it('rejects num_epochs < 1 (T_max would be 0)', () => {
    expect(() => createScheduler({ name: 'CosineAnnealingLR' }, { lr: 1 }, { ...ctx, numEpochs: 0 })).toThrow(/T_max = num_epochs must be an integer >= 1, got 0/);
  });
});

describe('CosineAnnealingWarmRestarts', () => {
  it('T_0=2, T_mult=2, eta_min=1e-4: periods of 2, 4, 8 epochs', () => {
    const opt = { lr: 1e-3 };
    // base_lr / max_lr come from the config merge; they must be dropped, not passed on.
    const s = createScheduler({ name: 'CosineAnnealingWarmRestarts', T_0: 2, T_mult: 2, eta_min: 1e-4, base_lr: 1e-5, max_lr: 1e-2 }, opt, ctx);
    expect(s.perBatch).toBe(false);
    // lr = 1e-4 + 9e-4 (1 + cos(pi T_cur / T_i)) / 2, (T_cur, T_i) by epoch:
    //   0:(0,2) 1e-3 | 1:(1,2) 1e-4 + 4.5e-4 = 5.5e-4 | 2:(0,4) 1e-3 | 3:(1,4) 1e-4 + 9e-4 * 0.8535533905932737 = 8.681980515339464e-4
    //   4:(2,4) 5.5e-4 | 5:(3,4) 1e-4 + 9e-4 * 0.1464466094067262 = 2.3180194846605362e-4 | 6:(0,8) 1e-3 | 7:(1,8) 1e-4 + 9e-4 * 0.9619397662556434 = 9.657457896300791e-4
    expectValues(trace(s, opt, 7), [1e-3, 5.5e-4, 1e-3, 8.681980515339464e-4, 5.5e-4, 2.3180194846605362e-4, 1e-3, 9.657457896300791e-4]);
  });

  it('T_mult defaults to 1 (fixed period), eta_min to 0', () => {
    const opt = { lr: 1e-3 };
    const s = createScheduler({ name: 'CosineAnnealingWarmRestarts', T_0: 3 }, opt, ctx);
    // T_cur = 0,1,2,0,1,2,0: lr = 1e-3, 1e-3 (1 + cos(pi/3))/2 = 7.5e-4, 1e-3 (1 + cos(2pi/3))/2 = 2.5e-4, then again.
    expectValues(trace(s, opt, 6), [1e-3, 7.5e-4, 2.5e-4, 1e-3, 7.5e-4, 2.5e-4, 1e-3]);
  });

  it('names a wrong or unknown keyword argument', () => {
    const opt = { lr: 1e-3 };
    expect(() => createScheduler({ name: 'CosineAnnealingWarmRestarts', T_0: 2, Tmult: 2 }, opt, ctx)).toThrow(/unknown keyword argument "Tmult"; CosineAnnealingWarmRestarts accepts "T_0", "T_mult", "eta_min", "last_epoch"/);
    expect(() => createScheduler({ name: 'CosineAnnealingWarmRestarts' }, opt, ctx)).toThrow(/"T_0" is required/);
    expect(() => createScheduler({ name: 'CosineAnnealingWarmRestarts', T_0: 1.5 }, opt, ctx)).toThrow(/"T_0" must be an integer >= 1, got 1.5/);
    expect(() => createScheduler({ name: 'CosineAnnealingWarmRestarts', T_0: 2, last_epoch: 3 }, opt, ctx)).toThrow(/"last_epoch" 3 is not supported/);
  });
});

describe('CyclicLR (triangular2, per batch)', () => {
  it('sets the optimizer lr to base_lr and follows the triangular2 cycle', () => {
    const opt = { lr: 1e-3 };
    const s = createScheduler({ name: 'CyclicLR', base_lr: 1e-3, max_lr: 6e-3, step_size_up: 2, step_size_down: 4 }, opt, { ...ctx, initialLr: 0.5 });
    expect(s.perBatch).toBe(true);
    // total = 6, ratio = 1/3; cycle = floor(1 + t/6), x = 1 + t/6 - cycle;
    // scale = x / (1/3) if x <= 1/3 else (x - 1) / (1/3 - 1); lr = 1e-3 + 5e-3 * scale / 2^(cycle-1):
    //   t=0 x=0 scale 0 -> 1e-3 | t=1 x=1/6 scale .5 -> 3.5e-3 | t=2 x=1/3 scale 1 -> 6e-3
    //   t=3 x=1/2 scale .75 -> 4.75e-3 | t=4 x=2/3 scale .5 -> 3.5e-3 | t=5 x=5/6 scale .25 -> 2.25e-3
    //   t=6 cycle 2 x=0 -> 1e-3 | t=7 scale .5 / 2 -> 2.25e-3 | t=8 scale 1 / 2 -> 3.5e-3 | t=9 scale .75 / 2 -> 2.875e-3
    //   t=10 .5/2 -> 2.25e-3 | t=11 .25/2 -> 1.625e-3 | t=12 cycle 3 -> 1e-3 | t=13 .5/4 -> 1.625e-3 | t=14 1/4 -> 2.25e-3
    expectValues(trace(s, opt, 14), [
      1e-3, 3.5e-3, 6e-3, 4.75e-3, 3.5e-3, 2.25e-3,
      1e-3, 2.25e-3, 3.5e-3, 2.875e-3, 2.25e-3, 1.625e-3,
      1e-3, 1.625e-3, 2.25e-3,
    ]);
  });

  it('step_size_up defaults to 2000 and step_size_down (null) to step_size_up', () => {
    const opt = { lr: 0 };
    const s = createScheduler({ name: 'CyclicLR', base_lr: 1e-5, max_lr: 1e-2, step_size_down: null, gamma: 1 }, opt, ctx);
    expect(opt.lr).toBe(1e-5);
    const at = (t: number) => {
      s.load({ name: 'CyclicLR', lastEpoch: t });
      return s.lr();
    };
    // t=1000: x = 0.25, scale 0.5 -> 1e-5 + 9.99e-3 * .5 = 5.005e-3; t=2000: max 1e-2; t=3000: 5.005e-3;
    // t=4000: cycle 2 -> 1e-5; t=6000: 1e-5 + 9.99e-3 / 2 = 5.005e-3.
    expectValues([at(1000), at(2000), at(3000), at(4000), at(6000)], [5.005e-3, 1e-2, 5.005e-3, 1e-5, 5.005e-3]);
    expect(opt.lr).toBeCloseTo(5.005e-3, 14);
  });

  it('names unknown keyword arguments (mode is fixed by ivadomed) and missing bounds', () => {
    const opt = { lr: 1e-3 };
    expect(() => createScheduler({ name: 'CyclicLR', base_lr: 1e-5, max_lr: 1e-2, mode: 'triangular' }, opt, ctx)).toThrow(/unknown keyword argument "mode"; CyclicLR accepts "base_lr", "max_lr", "step_size_up"/);
    expect(() => createScheduler({ name: 'CyclicLR', max_lr: 1e-2 }, opt, ctx)).toThrow(/"base_lr" is required/);
    expect(() => createScheduler({ name: 'CyclicLR', base_lr: 1e-5, max_lr: '1e-2' }, opt, ctx)).toThrow(/"max_lr" must be a number > 0, got "1e-2"/);
  });
});

describe('createScheduler', () => {
  it('rejects an unknown name, listing the allowed ones', () => {
    expect(() => createScheduler({ name: 'StepLR' } as SchedulerConfig, { lr: 1 }, ctx)).toThrow(
      /unknown scheduler name "StepLR"; use one of "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR"/,
    );
  });

  const resumable: SchedulerConfig[] = [
    { name: 'CosineAnnealingLR' },
    { name: 'CosineAnnealingWarmRestarts', T_0: 2, T_mult: 2, eta_min: 1e-5 },
    { name: 'CyclicLR', base_lr: 1e-4, max_lr: 1e-3, step_size_up: 3, step_size_down: 2 },
  ];
  for (const cfg of resumable) {
    it(`${cfg.name}: state()/load() resumes identically`, () => {
      const optA = { lr: 1e-3 };
      const a = createScheduler(cfg, optA, { ...ctx, numEpochs: 10 });
      for (let i = 0; i < 4; i++) a.step();
      const saved = JSON.parse(JSON.stringify(a.state()));
      expect(saved).toEqual({ name: cfg.name, lastEpoch: 4 });
      const optB = { lr: 1e-3 };
      const b = createScheduler(cfg, optB, { ...ctx, numEpochs: 10 });
      b.load(saved);
      expect(optB.lr).toBe(optA.lr);
      const rest = (s: LrScheduler, o: { lr: number }) => Array.from({ length: 6 }, () => (s.step(), o.lr));
      const fromA = rest(a, optA);
      expect(rest(b, optB)).toEqual(fromA);
      // Not vacuous: the schedule moves over these steps.
      expect(new Set(fromA).size).toBeGreaterThan(2);
    });
  }

  it('load() refuses a state of another scheduler', () => {
    const s = createScheduler({ name: 'CosineAnnealingLR' }, { lr: 1 }, ctx);
    expect(() => s.load({ name: 'CyclicLR', lastEpoch: 2 })).toThrow(/saved state is of a CyclicLR scheduler/);
  });
});

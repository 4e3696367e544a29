/**
 * Learning-rate schedulers of `training_parameters.scheduler.lr_scheduler`, with the torch.optim.lr_scheduler
 * formulas and the way ivadomed builds them (INVENTORY §g, `training.py::get_scheduler`):
 *
 * - CosineAnnealingLR(optimizer, T_max=num_epochs): ivadomed passes no other argument, so every other
 *   key of the config object (the inherited base_lr / max_lr included) is ignored; eta_min = 0.
 * - CosineAnnealingWarmRestarts(optimizer, **kwargs): T_0, T_mult, eta_min. base_lr / max_lr are
 *   dropped: the config merge adds them from ivadomed's defaults, and passing them would be a
 *   TypeError in PyTorch.
 * - CyclicLR(optimizer, **kwargs, mode="triangular2", cycle_momentum=False), stepped per batch; it
 *   sets the optimizer's lr to base_lr at construction (PyTorch does), so initial_lr is unused.
 *
 * Every schedule is a closed form of the number of steps taken (PyTorch's `last_epoch`), so state()
 * is that count and load() resumes exactly. As in PyTorch, constructing a scheduler counts as step 0
 * and writes lr(0) into the optimizer; step() then advances by one and writes the new lr.
 */
import { LR_SCHEDULER_NAMES, type LrSchedulerName } from '../config';
import type { HasLearningRate } from './optim';

export interface LrScheduler {
  readonly name: LrSchedulerName;
  /** True when the training loop must call step() after every batch (CyclicLR), else once per epoch. */
  readonly perBatch: boolean;
  /** Advances one step (epoch or batch) and sets the optimizer's lr. */
  step(): void;
  /** The current learning rate (PyTorch's get_last_lr()[0]). */
  lr(): number;
  state(): LrSchedulerState;
  /** Resumes from state(); sets the optimizer's lr to the resumed value. */
  load(state: LrSchedulerState): void;
}

export interface LrSchedulerState {
  name: LrSchedulerName;
  /** Steps taken since construction (PyTorch's last_epoch). */
  lastEpoch: number;
}

export interface SchedulerContext {
  numEpochs: number;
  batchesPerEpoch: number;
  /** training_parameters.scheduler.initial_lr: the base lr of the cosine schedules. */
  initialLr: number;
}

export interface SchedulerConfig {
  name: string;
  [key: string]: unknown;
}

/** Common step/state logic; subclasses give the closed-form lr after `t` steps. */
abstract class ClosedFormScheduler implements LrScheduler {
  abstract readonly name: LrSchedulerName;
  abstract readonly perBatch: boolean;
  private lastEpoch = 0;

  constructor(private readonly optimizer: HasLearningRate) {}

  protected abstract lrAt(t: number): number;

  /** PyTorch's _initial_step(): step 0 writes lr(0) into the optimizer. Call at the end of the subclass constructor. */
  protected start(): void {
    this.optimizer.lr = this.lrAt(0);
  }

  step(): void {
    this.lastEpoch += 1;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }

  lr(): number {
    return this.lrAt(this.lastEpoch);
  }

  state(): LrSchedulerState {
    return { name: this.name, lastEpoch: this.lastEpoch };
  }

  load(state: LrSchedulerState): void {
    if (state.name !== this.name) throw new Error(`${this.name}.load: the saved state is of a ${String(state.name)} scheduler; the config's lr_scheduler changed since the checkpoint`);
    if (!Number.isInteger(state.lastEpoch) || state.lastEpoch < 0) throw new Error(`${this.name}.load: lastEpoch must be an integer >= 0, got ${state.lastEpoch}`);
    this.lastEpoch = state.lastEpoch;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }
}

/** lr_t = eta_min + (base - eta_min) (1 + cos(pi t / T_max)) / 2 (periodic past T_max, as PyTorch's recursion). */
export class CosineAnnealingLR extends ClosedFormScheduler {
  readonly name = 'CosineAnnealingLR';
  readonly perBatch = false;

  constructor(optimizer: HasLearningRate, private readonly baseLr: number, private readonly tMax: number, private readonly etaMin = 0) {
    super(optimizer);
    this.start();
  }

  protected lrAt(t: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}

/**
 * SGDR: within a period of T_i epochs, lr = eta_min + (base - eta_min)(1 + cos(pi T_cur / T_i)) / 2;
 * at T_cur = T_i the period restarts and T_i *= T_mult (PyTorch's integer-epoch stepping).
 */
export class CosineAnnealingWarmRestarts extends ClosedFormScheduler {
  readonly name = 'CosineAnnealingWarmRestarts';
  readonly perBatch = false;

  constructor(optimizer: HasLearningRate, private readonly baseLr: number, private readonly t0: number, private readonly tMult = 1, private readonly etaMin = 0) {
    super(optimizer);
    this.start();
  }

  /** [T_cur, T_i] after `epoch` steps: integer arithmetic, no log() rounding at restart boundaries. */
  period(epoch: number): [number, number] {
    let tCur = epoch;
    let tI = this.t0;
    while (tCur >= tI) {
      tCur -= tI;
      tI *= this.tMult;
    }
    return [tCur, tI];
  }

  protected lrAt(t: number): number {
    const [tCur, tI] = this.period(t);
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
  }
}

/**
 * CyclicLR mode "triangular2" (torch get_lr): cycle = floor(1 + t / total), x = 1 + t / total - cycle,
 * scale = x / ratio while rising (x <= ratio) else (x - 1) / (ratio - 1), with total = up + down and
 * ratio = up / total; lr = base + (max - base) * scale / 2^(cycle - 1).
 */
export class CyclicLR extends ClosedFormScheduler {
  readonly name = 'CyclicLR';
  readonly perBatch = true;
  private readonly totalSize: number;
  private readonly stepRatio: number;

  constructor(optimizer: HasLearningRate, private readonly baseLr: number, private readonly maxLr: number, stepSizeUp = 2000, stepSizeDown: number | null = null) {
    super(optimizer);
    const down = stepSizeDown ?? stepSizeUp;
    this.totalSize = stepSizeUp + down;
    this.stepRatio = stepSizeUp / this.totalSize;
    this.start();
  }

  protected lrAt(t: number): number {
    const cycle = Math.floor(1 + t / this.totalSize);
    const x = 1 + t / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    return this.baseLr + ((this.maxLr - this.baseLr) * scaleFactor) / 2 ** (cycle - 1);
  }
}

// ---- construction from the config -------------------------------------------------------------

const where = (name: string) => `training_parameters.scheduler.lr_scheduler (${name})`;

/** Kwargs of cfg other than name, after checking them against the scheduler's accepted keys. */
function kwargs(cfg: SchedulerConfig, accepted: readonly string[], dropped: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cfg)) {
    if (key === 'name' || dropped.includes(key)) continue;
    if (!accepted.includes(key)) {
      throw new Error(`${where(cfg.name)}: unknown keyword argument "${key}"; ${cfg.name} accepts ${accepted.map((k) => `"${k}"`).join(', ')}`);
    }
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function numberArg(cfg: SchedulerConfig, args: Record<string, unknown>, key: string, rule: { min?: number; gt?: number; integer?: boolean }, fallback?: number): number {
  const value = args[key] ?? fallback;
  if (value === undefined) throw new Error(`${where(cfg.name)}: "${key}" is required`);
  const ok = typeof value === 'number' && Number.isFinite(value)
    && (!rule.integer || Number.isInteger(value)) && (rule.min === undefined || value >= rule.min) && (rule.gt === undefined || value > rule.gt);
  if (!ok) {
    const need = [rule.integer ? 'an integer' : 'a number', rule.min !== undefined ? `>= ${rule.min}` : '', rule.gt !== undefined ? `> ${rule.gt}` : ''].filter(Boolean).join(' ');
    throw new Error(`${where(cfg.name)}: "${key}" must be ${need}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** PyTorch needs 'initial_lr' in the optimizer when last_epoch != -1 (ivadomed crashes with KeyError); resuming is done with load(). */
function checkLastEpoch(cfg: SchedulerConfig, args: Record<string, unknown>): void {
  if (args.last_epoch !== undefined && args.last_epoch !== -1) {
    throw new Error(`${where(cfg.name)}: "last_epoch" ${JSON.stringify(args.last_epoch)} is not supported (PyTorch raises KeyError 'initial_lr' for it in ivadomed); remove it, and resume training from a checkpoint instead`);
  }
}

/** Builds the configured scheduler; it immediately sets optimizer.lr to the schedule's first value. */
export function createScheduler(cfg: SchedulerConfig, optimizer: HasLearningRate, ctx: SchedulerContext): LrScheduler {
  switch (cfg.name) {
    case 'CosineAnnealingLR': {
      if (!Number.isInteger(ctx.numEpochs) || ctx.numEpochs < 1) throw new Error(`${where(cfg.name)}: T_max = num_epochs must be an integer >= 1, got ${ctx.numEpochs}`);
      return new CosineAnnealingLR(optimizer, ctx.initialLr, ctx.numEpochs);
    }
    case 'CosineAnnealingWarmRestarts': {
      const args = kwargs(cfg, ['T_0', 'T_mult', 'eta_min', 'last_epoch'], ['base_lr', 'max_lr']);
      checkLastEpoch(cfg, args);
      return new CosineAnnealingWarmRestarts(
        optimizer, ctx.initialLr,
        numberArg(cfg, args, 'T_0', { min: 1, integer: true }),
        numberArg(cfg, args, 'T_mult', { min: 1, integer: true }, 1),
        numberArg(cfg, args, 'eta_min', { min: 0 }, 0),
      );
    }
    case 'CyclicLR': {
      const args = kwargs(cfg, ['base_lr', 'max_lr', 'step_size_up', 'step_size_down', 'gamma', 'last_epoch'], []);
      checkLastEpoch(cfg, args);
      // gamma only matters for mode "exp_range"; ivadomed forces "triangular2".
      if (args.gamma !== undefined) numberArg(cfg, args, 'gamma', { gt: 0 });
      const baseLr = numberArg(cfg, args, 'base_lr', { gt: 0 });
      const maxLr = numberArg(cfg, args, 'max_lr', { gt: 0 });
      const up = numberArg(cfg, args, 'step_size_up', { gt: 0 }, 2000);
      const down = args.step_size_down === null || args.step_size_down === undefined ? null : numberArg(cfg, args, 'step_size_down', { gt: 0 });
      return new CyclicLR(optimizer, baseLr, maxLr, up, down);
    }
    default:
      throw new Error(`${where(String(cfg.name))}: unknown scheduler name ${JSON.stringify(cfg.name)}; use one of ${LR_SCHEDULER_NAMES.map((n) => `"${n}"`).join(', ')}`);
  }
}

/**
 * `training_parameters.scheduler.lr_scheduler` (INVENTORY §g): CosineAnnealingLR (T_max = num_epochs;
 * every other key ignored), CosineAnnealingWarmRestarts(**kwargs), CyclicLR(**kwargs, mode="triangular2",
 * cycle_momentum=False) stepped per batch.
 */
import * as z from 'zod';
import { int, literal, nullable, num, optional, section, strictSection, withMeta } from '../fields';

export const LR_SCHEDULER_NAMES = ['CosineAnnealingLR', 'CosineAnnealingWarmRestarts', 'CyclicLR'] as const;
export type LrSchedulerName = (typeof LR_SCHEDULER_NAMES)[number];

/** base_lr / max_lr arrive from config_default.json whatever the scheduler (the merge adds them). */
const inheritedBaseLr = () =>
  optional(num({ gt: 0 }, { description: 'Inherited from ivadomed\'s defaults; not used by this scheduler.', ignored: true }));
const inheritedMaxLr = () =>
  optional(num({ gt: 0 }, { description: 'Inherited from ivadomed\'s defaults; not used by this scheduler.', ignored: true }));

export const CosineAnnealingLRSchema = section(
  {
    name: literal('CosineAnnealingLR', 'Cosine annealing from initial_lr to 0 over num_epochs (stepped per epoch).'),
    base_lr: inheritedBaseLr(),
    max_lr: inheritedMaxLr(),
  },
  'CosineAnnealingLR(optimizer, T_max=num_epochs); ivadomed passes no other argument.',
);

export const CosineAnnealingWarmRestartsSchema = strictSection(
  {
    name: literal('CosineAnnealingWarmRestarts', 'Cosine annealing with warm restarts (stepped per epoch).'),
    T_0: int({ min: 1 }, 'Number of epochs before the first restart.'),
    T_mult: optional(int({ min: 1 }, { description: 'Factor by which the period grows after each restart.', codeDefault: 1 })),
    eta_min: optional(num({ min: 0 }, { description: 'Minimum learning rate.', codeDefault: 0 })),
    last_epoch: optional(int({ min: -1 }, { description: 'Index of the last epoch (PyTorch).', codeDefault: -1 })),
    base_lr: inheritedBaseLr(),
    max_lr: inheritedMaxLr(),
  },
  'CosineAnnealingWarmRestarts(optimizer, **kwargs).',
  'keyword argument of CosineAnnealingWarmRestarts',
);

export const CyclicLRSchema = strictSection(
  {
    name: literal('CyclicLR', 'Cyclical learning rate, mode "triangular2", stepped per batch.'),
    base_lr: num({ gt: 0 }, 'Lower learning-rate bound of the cycle.'),
    max_lr: num({ gt: 0 }, 'Upper learning-rate bound of the cycle.'),
    step_size_up: optional(int({ min: 1 }, { description: 'Batches in the increasing half of a cycle.', codeDefault: 2000 })),
    step_size_down: optional(nullable(int({ min: 1 }), { description: 'Batches in the decreasing half (null = step_size_up).', codeDefault: null })),
    gamma: optional(num({ gt: 0 }, { description: 'Only used by mode "exp_range" (ivadomed forces "triangular2").', codeDefault: 1.0, ignored: true })),
    last_epoch: optional(int({ min: -1 }, { description: 'Index of the last batch (PyTorch).', codeDefault: -1 })),
  },
  'CyclicLR(optimizer, **kwargs, mode="triangular2", cycle_momentum=False).',
  'keyword argument of CyclicLR',
);

export const LR_SCHEDULER_SCHEMAS = {
  CosineAnnealingLR: CosineAnnealingLRSchema,
  CosineAnnealingWarmRestarts: CosineAnnealingWarmRestartsSchema,
  CyclicLR: CyclicLRSchema,
} as const;

export const LrSchedulerSchema = withMeta(
  z.discriminatedUnion('name', [CosineAnnealingLRSchema, CosineAnnealingWarmRestartsSchema, CyclicLRSchema]),
  `an object with "name" one of ${LR_SCHEDULER_NAMES.map((n) => JSON.stringify(n)).join(', ')} and that scheduler's keyword arguments`,
  'Learning-rate scheduler: "name" selects the PyTorch scheduler, the other keys are its keyword arguments.',
);

export type LrSchedulerConfig = z.output<typeof LrSchedulerSchema>;

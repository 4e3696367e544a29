/**
 * `training_parameters.loss`: `{ name, ...constructor kwargs }` (INVENTORY §c). One member per
 * ivadomed loss class, with its keyword arguments and their defaults exactly as in losses.py.
 */
import * as z from 'zod';
import { bool, int, list, literal, nullable, num, oneOf, optional, strictSection, withMeta } from '../fields';

export const LOSS_NAMES = [
  'DiceLoss',
  'MultiClassDiceLoss',
  'BinaryCrossEntropyLoss',
  'FocalLoss',
  'FocalDiceLoss',
  'GeneralizedDiceLoss',
  'TverskyLoss',
  'FocalTverskyLoss',
  'L2loss',
  'AdapWingLoss',
  'LossCombination',
] as const;
export type LossName = (typeof LOSS_NAMES)[number];

/** A loss: its keyword arguments go to the constructor, which fails on unknown ones. */
function loss<S extends z.core.$ZodLooseShape>(name: string, shape: S, description: string) {
  return strictSection(shape, description, `keyword argument of ${name}`);
}

const lossName = <const N extends LossName>(n: N, description: string) => literal(n, description);

export const DiceLossSchema = loss('DiceLoss',
  {
    name: lossName('DiceLoss', 'Global soft Dice over the whole batch: -(2·Σpt + s)/(Σp + Σt + s).'),
    smooth: optional(num({ min: 0 }, { description: 'Smoothing term s added to numerator and denominator.', codeDefault: 1.0 })),
  },
  'Dice loss.',
);

export const MultiClassDiceLossSchema = loss('MultiClassDiceLoss',
  {
    name: lossName('MultiClassDiceLoss', 'Mean of the Dice loss over the classes of interest.'),
    classes_of_interest: optional(
      nullable(list(int({ min: 0 }), { min: 1 }), { description: 'Channel indices averaged; null = every channel.', codeDefault: null }),
    ),
  },
  'Multi-class Dice loss.',
);

export const BinaryCrossEntropyLossSchema = loss('BinaryCrossEntropyLoss',
  { name: lossName('BinaryCrossEntropyLoss', 'Mean binary cross-entropy (torch.nn.BCELoss) on post-activation predictions.') },
  'Binary cross-entropy loss (no parameters).',
);

export const FocalLossSchema = loss('FocalLoss',
  {
    name: lossName('FocalLoss', 'Focal loss, summed over every element (not averaged).'),
    gamma: optional(num({ min: 0 }, { description: 'Focusing parameter; 0 gives cross-entropy.', codeDefault: 2 })),
    alpha: optional(num({ min: 0, max: 1 }, { description: 'Weight of the positive class.', codeDefault: 0.25 })),
    eps: optional(num({ gt: 0, lt: 0.5 }, { description: 'Predictions are clamped to [eps, 1-eps].', codeDefault: 1e-7 })),
  },
  'Focal loss.',
);

export const FocalDiceLossSchema = loss('FocalDiceLoss',
  {
    name: lossName('FocalDiceLoss', 'ln(Focal) - beta·ln(Dice).'),
    beta: optional(num({ min: 0 }, { description: 'Weight of the Dice term.', codeDefault: 1 })),
    gamma: optional(num({ min: 0 }, { description: 'Focal focusing parameter.', codeDefault: 2 })),
    alpha: optional(num({ min: 0, max: 1 }, { description: 'Focal weight of the positive class.', codeDefault: 0.25 })),
  },
  'Focal + Dice loss.',
);

export const GeneralizedDiceLossSchema = loss('GeneralizedDiceLoss',
  {
    name: lossName('GeneralizedDiceLoss', 'Generalized Dice with class weights 1/(Σt)².'),
    epsilon: optional(num({ gt: 0 }, { description: 'Lower clamp of weights and denominator.', codeDefault: 1e-5 })),
    include_background: optional(bool({ description: 'Append a background channel (1 where all classes are 0).', codeDefault: true })),
  },
  'Generalized Dice loss.',
);

export const TverskyLossSchema = loss('TverskyLoss',
  {
    name: lossName('TverskyLoss', 'Negative mean Tversky index over classes.'),
    alpha: optional(num({ min: 0 }, { description: 'Weight of false positives.', codeDefault: 0.7 })),
    beta: optional(num({ min: 0 }, { description: 'Weight of false negatives.', codeDefault: 0.3 })),
    smooth: optional(num({ min: 0 }, { description: 'Smoothing term.', codeDefault: 1.0 })),
  },
  'Tversky loss.',
);

export const FocalTverskyLossSchema = loss('FocalTverskyLoss',
  {
    name: lossName('FocalTverskyLoss', 'Mean over classes of (1 - Tversky index)^(1/gamma).'),
    alpha: optional(num({ min: 0 }, { description: 'Weight of false positives.', codeDefault: 0.7 })),
    beta: optional(num({ min: 0 }, { description: 'Weight of false negatives.', codeDefault: 0.3 })),
    gamma: optional(num({ gt: 0 }, { description: 'Focal exponent (typically 1 to 3).', codeDefault: 1.33 })),
    smooth: optional(num({ min: 0 }, { description: 'Smoothing term.', codeDefault: 1.0 })),
  },
  'Focal Tversky loss.',
);

export const L2lossSchema = loss('L2loss',
  { name: lossName('L2loss', 'Σ(p - t)² / 2.') },
  'Euclidean (L2) loss (no parameters).',
);

export const AdapWingLossSchema = loss('AdapWingLoss',
  {
    name: lossName('AdapWingLoss', 'Adaptive Wing loss for heat-map regression (summed).'),
    theta: optional(num({ gt: 0 }, { description: 'Threshold between the non-linear and linear parts.', codeDefault: 0.5 })),
    alpha: optional(num({ gt: 0 }, { description: 'Shape exponent; slightly above 2.', codeDefault: 2.1 })),
    omega: optional(num({ gt: 0 }, { description: 'Scale of the non-linear part.', codeDefault: 14 })),
    epsilon: optional(num({ gt: 0 }, { description: 'Avoids gradient explosion; must not be too small.', codeDefault: 1 })),
  },
  'Adaptive Wing loss.',
);

/** LossCombination's members are names of the other losses (a combination cannot nest itself). */
export const COMBINABLE_LOSS_NAMES = LOSS_NAMES.filter((n) => n !== 'LossCombination') as unknown as readonly [
  Exclude<LossName, 'LossCombination'>,
  ...Exclude<LossName, 'LossCombination'>[],
];

const lossParams = withMeta(
  z.record(z.string(), z.unknown()),
  'an object of keyword arguments of the matching loss',
);

export const LossCombinationSchema = loss('LossCombination',
  {
    name: lossName('LossCombination', 'Sum of several losses.'),
    losses_list: list(oneOf(COMBINABLE_LOSS_NAMES), { min: 1 }, 'Names of the losses summed.'),
    params_list: optional(
      nullable(list(nullable(lossParams), {}), { description: 'Keyword arguments per loss (null = defaults), same length as losses_list.' }),
      { codeDefault: null },
    ),
  },
  'Sum of losses.',
);

export const LOSS_SCHEMAS = {
  DiceLoss: DiceLossSchema,
  MultiClassDiceLoss: MultiClassDiceLossSchema,
  BinaryCrossEntropyLoss: BinaryCrossEntropyLossSchema,
  FocalLoss: FocalLossSchema,
  FocalDiceLoss: FocalDiceLossSchema,
  GeneralizedDiceLoss: GeneralizedDiceLossSchema,
  TverskyLoss: TverskyLossSchema,
  FocalTverskyLoss: FocalTverskyLossSchema,
  L2loss: L2lossSchema,
  AdapWingLoss: AdapWingLossSchema,
  LossCombination: LossCombinationSchema,
} as const;

export const LossSchema = withMeta(
  z.discriminatedUnion('name', [
    DiceLossSchema,
    MultiClassDiceLossSchema,
    BinaryCrossEntropyLossSchema,
    FocalLossSchema,
    FocalDiceLossSchema,
    GeneralizedDiceLossSchema,
    TverskyLossSchema,
    FocalTverskyLossSchema,
    L2lossSchema,
    AdapWingLossSchema,
    LossCombinationSchema,
  ]),
  `an object with "name" one of ${LOSS_NAMES.map((n) => JSON.stringify(n)).join(', ')} and that loss's keyword arguments`,
  'Loss function: "name" selects the ivadomed loss class, the other keys are its constructor keyword arguments.',
);

export type LossConfig = z.output<typeof LossSchema>;

/**
 * ivadomed's losses on the engine (docs/losses.md): every loss takes post-activation predictions
 * and targets of the same shape [N, C, spatial...] and returns a scalar tensor.
 */
export type { Loss } from './types';
export { LOSS_NAMES, LOSS_KWARGS, resolveKwargs, type LossName, type KwargsOf, type OptionsOf } from './kwargs';
export { createLoss, lossCombination } from './factory';
export { diceLoss, multiClassDiceLoss, diceCoefficient } from './dice';
export { binaryCrossEntropyLoss, focalLoss, focalDiceLoss } from './focal';
export { generalizedDiceLoss } from './generalized_dice';
export { tverskyLoss, focalTverskyLoss, tverskyIndexPerClass } from './tversky';
export { l2Loss, adapWingLoss } from './regression';
export { sumOfLosses } from './combination';

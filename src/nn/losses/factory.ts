/**
 * `createLoss({ name, ...kwargs })`: a loss from `training_parameters.loss` of an ivadomed config,
 * and `lossCombination`, which resolves its member names through the same table.
 */
import { sumOfLosses } from './combination';
import { diceLoss, multiClassDiceLoss } from './dice';
import { binaryCrossEntropyLoss, focalDiceLoss, focalLoss } from './focal';
import { generalizedDiceLoss } from './generalized_dice';
import { checkLossName, resolveKwargs, show, type LossName, type OptionsOf } from './kwargs';
import { adapWingLoss, l2Loss } from './regression';
import { focalTverskyLoss, tverskyLoss } from './tversky';
import type { Loss } from './types';

type Constructor = (kwargs: Record<string, unknown>) => Loss;

const CONSTRUCTORS: Record<LossName, Constructor> = {
  DiceLoss: diceLoss,
  MultiClassDiceLoss: multiClassDiceLoss,
  BinaryCrossEntropyLoss: binaryCrossEntropyLoss,
  FocalLoss: focalLoss,
  FocalDiceLoss: focalDiceLoss,
  GeneralizedDiceLoss: generalizedDiceLoss,
  TverskyLoss: tverskyLoss,
  FocalTverskyLoss: focalTverskyLoss,
  L2loss: l2Loss,
  AdapWingLoss: adapWingLoss,
  LossCombination: (kwargs) => lossCombination(kwargs as OptionsOf<'LossCombination'>),
};

/**
 * Σ_i Loss_i(**params_list[i])(p, t). params_list null means defaults for every loss, an entry null
 * defaults for that loss. Unlike ivadomed (which builds the members on every call and fails only at
 * the first forward, or silently ignores extra params_list entries) the members are built and checked
 * here, once, and params_list must have exactly one entry per name.
 */
export function lossCombination(options: OptionsOf<'LossCombination'>): Loss {
  const { losses_list, params_list } = resolveKwargs('LossCombination', options);
  if (params_list !== null && params_list.length !== losses_list.length) {
    throw new Error(
      `LossCombination: params_list has ${params_list.length} entries but losses_list has ${losses_list.length} ` +
        `(${show(losses_list)}); give one entry (an object or null) per loss`,
    );
  }
  const members = losses_list.map((name, i) => {
    const params = params_list?.[i] ?? {};
    try {
      return CONSTRUCTORS[name](params);
    } catch (err) {
      throw new Error(`LossCombination: losses_list[${i}] ${name} with params_list[${i}] = ${show(params_list?.[i] ?? null)}: ${(err as Error).message}`);
    }
  });
  return sumOfLosses(members);
}

/** The loss named by `params.name`, built with the other keys as its keyword arguments. */
export function createLoss(params: { name: string; [kwarg: string]: unknown }): Loss {
  if (params === null || typeof params !== 'object') throw new Error(`createLoss: expected { name, ...keyword arguments }, got ${show(params)}`);
  const name = checkLossName(params.name, 'loss name (training_parameters.loss.name)');
  return CONSTRUCTORS[name](params);
}

/**
 * Whether a state dict fits a model spec: the model is built on the current backend and the weights
 * are loaded strictly (every parameter and buffer present, no extra, same shapes), as loading will.
 */
import type { StateDict } from '../nn/index';
import { createModel, type BuiltModel, type ModelSpec } from '../nn/models/index';

/** Builds the model of `spec` with `state` loaded, in eval mode; clear errors name both sides. */
export function buildWithWeights(spec: ModelSpec, state: StateDict, weightsWhat: string, modelWhat: string): BuiltModel {
  let model: BuiltModel;
  try {
    model = createModel(spec);
  } catch (err) {
    throw new Error(`Model bundle: ${modelWhat} cannot be built (${(err as Error).message}). The bundle was written by another ivadomed-web version or edited by hand.`);
  }
  try {
    model.module.loadStateDict(state);
  } catch (err) {
    model.module.dispose();
    throw new Error(`Model bundle: the weights ${weightsWhat} do not fit ${modelWhat}: ${(err as Error).message}. Re-export the bundle from the trained model folder.`);
  }
  model.module.eval();
  return model;
}

export function checkWeightsFit(spec: ModelSpec, state: StateDict, weightsWhat: string, modelWhat: string): void {
  buildWithWeights(spec, state, weightsWhat, modelWhat).module.dispose();
}

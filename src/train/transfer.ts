/**
 * Transfer learning (ivadomed set_model_for_retrain, INVENTORY §b.7): the resettable layers in
 * module order; the first round(n * (1 - retrain_fraction)) are frozen, the rest are fine-tuned and,
 * with reset, re-initialised.
 */
import type { Module } from '../nn/index';

export interface RetrainPlan {
  frozen: string[];
  trained: string[];
  resetLayers: string[];
}

export function applyRetrainFraction(model: Module, retrainFraction: number, reset: boolean): RetrainPlan {
  if (!(retrainFraction > 0 && retrainFraction <= 1)) {
    throw new Error(`transfer_learning.retrain_fraction must be in (0, 1], got ${retrainFraction} (ivadomed fails on 0 with an IndexError).`);
  }
  const layers = model.namedModules().filter(([name, m]) => name !== '' && m.isResettable);
  const nFreeze = Math.round(layers.length * (1 - retrainFraction));
  const params = model.namedParameters();
  const firstTrained = nFreeze < layers.length ? layers[nFreeze][0] : null;
  const boundary = firstTrained === null ? params.length : params.findIndex(([n]) => n.startsWith(`${firstTrained}.`));
  const frozen: string[] = [];
  const trained: string[] = [];
  params.forEach(([name, t], i) => {
    const freeze = boundary < 0 ? true : i < boundary;
    t.requiresGrad = !freeze;
    (freeze ? frozen : trained).push(name);
  });
  const resetLayers: string[] = [];
  if (reset) {
    for (const [name, m] of layers.slice(nFreeze)) {
      m.resetParameters();
      resetLayers.push(name);
    }
  }
  return { frozen, trained, resetLayers };
}

/**
 * Builds the model a resolved ivadomed config names (main.set_model_params + the model classes) and
 * gives every architecture one calling convention for the training and inference loops:
 * forward(x, extras) with FiLM metadata or HeMIS contrast availability in `extras`.
 */
import type { Tensor } from '../../engine/index';
import type { Module } from '../module';
import { Unet, type FinalActivation } from './unet';

export type ModelTask = 'segmentation' | 'classification' | 'keypoints';

export interface ForwardExtras {
  /** FiLM: one-hot metadata [N, nMetadata]. */
  context?: Tensor;
  /** HeMIS: available contrasts per sample [N][nContrasts]. */
  indexesMod?: boolean[][];
}

export interface BuiltModel {
  name: string;
  module: Module;
  task: ModelTask;
  /** What forward needs beside the image. */
  conditioning: 'none' | 'film' | 'hemis';
  is2d: boolean;
  inChannel: number;
  /** Channels of the output (after ivadomed drops channel 0 when out_channel > 1). */
  outputs: number;
  forward(x: Tensor, extras?: ForwardExtras): Tensor;
}

/** The model parameters of a config (resolveModelParams().params) plus what the data decide. */
export interface ModelSpec {
  name: string;
  in_channel: number;
  out_channel: number;
  is_2d?: boolean;
  depth?: number;
  n_filters?: number;
  dropout_rate?: number;
  bn_momentum?: number;
  final_activation?: string;
  attention?: boolean;
  film_layers?: number[];
  /** FiLM: size of the one-hot metadata vector (from the fitted encoder). */
  n_metadata?: number;
  /** HeMIS: contrasts, one encoder each. */
  contrasts?: string[];
  [key: string]: unknown;
}

type Builder = (spec: ModelSpec) => BuiltModel;
const builders = new Map<string, Builder>();

/** Registers an architecture (the model modules call this; see models/index.ts). */
export function registerModel(name: string, build: Builder): void {
  builders.set(name, build);
}

export function modelNames(): string[] {
  return [...builders.keys()];
}

export function createModel(spec: ModelSpec): BuiltModel {
  const build = builders.get(spec.name);
  if (!build) throw new Error(`Unknown model "${spec.name}": available models are ${[...builders.keys()].join(', ')}.`);
  if (!(spec.in_channel >= 1) || !(spec.out_channel >= 1)) {
    throw new Error(`${spec.name}: in_channel and out_channel must be >= 1, got ${spec.in_channel} and ${spec.out_channel}`);
  }
  return build(spec);
}

/** Output channels once channel 0 is dropped (ivadomed, §n.8). */
export function keptOutputs(outChannel: number): number {
  return outChannel > 1 ? outChannel - 1 : 1;
}

registerModel('Unet', (s) => {
  const is2d = s.is_2d ?? true;
  const m = new Unet({
    inChannel: s.in_channel, outChannel: s.out_channel, depth: s.depth ?? 3, nFilters: s.n_filters ?? 64, dropoutRate: s.dropout_rate ?? 0.3,
    bnMomentum: s.bn_momentum ?? 0.1, finalActivation: (s.final_activation ?? 'sigmoid') as FinalActivation, is2d,
  });
  return {
    name: 'Unet', module: m, task: 'segmentation', conditioning: 'none', is2d, inChannel: s.in_channel, outputs: keptOutputs(s.out_channel),
    forward: (x) => m.forward(x),
  };
});

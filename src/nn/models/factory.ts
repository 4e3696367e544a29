/**
 * Builds the model a resolved ivadomed config names (main.set_model_params + the model classes) and
 * gives every architecture one calling convention for the training and inference loops:
 * forward(x, extras) with FiLM metadata or HeMIS contrast availability in `extras`.
 */
import type { Tensor } from '../../engine/index';
import type { Module } from '../module';
import { Countception } from './countception';
import { densenet121 } from './densenet';
import { FiLMedUnet, FiLMlayer } from './film';
import { HeMISUnet } from './hemis';
import { Modified3DUNet } from './modified3dunet';
import { resnet18 } from './resnet';
import { Unet, type ConditioningFactory, type FinalActivation } from './unet';

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

function requireContext(name: string, extras: ForwardExtras | undefined): Tensor {
  if (!extras?.context) throw new Error(`${name}: FiLM layers need the metadata vector of every sample (context); none was given`);
  return extras.context;
}

registerModel('FiLMedUnet', (s) => {
  const is2d = s.is_2d ?? true;
  const m = new FiLMedUnet({
    inChannel: s.in_channel, outChannel: s.out_channel, depth: s.depth ?? 3, nFilters: s.n_filters ?? 64, dropoutRate: s.dropout_rate ?? 0.3,
    bnMomentum: s.bn_momentum ?? 0.1, finalActivation: s.final_activation ?? 'sigmoid', is2d, nMetadata: s.n_metadata, filmLayers: s.film_layers,
  });
  const film = m.filmLayers.some((f) => f);
  return {
    name: 'FiLMedUnet', module: m, task: 'segmentation', conditioning: film ? 'film' : 'none', is2d, inChannel: s.in_channel, outputs: keptOutputs(s.out_channel),
    forward: (x, extras) => m.forward(x, film ? requireContext('FiLMedUnet', extras) : undefined),
  };
});

registerModel('HeMISUnet', (s) => {
  const contrasts = s.contrasts ?? [];
  if (contrasts.length !== s.in_channel) {
    throw new Error(`HeMISUnet: ${contrasts.length} contrasts (${contrasts.join(', ')}) but ${s.in_channel} input channels; set loader_parameters.multichannel true with one channel per contrast`);
  }
  const m = new HeMISUnet({ contrasts, outChannel: s.out_channel, depth: s.depth ?? 3, dropoutRate: s.dropout_rate ?? 0.3, bnMomentum: s.bn_momentum ?? 0.1, nFilters: s.n_filters ?? 64 });
  return {
    name: 'HeMISUnet', module: m, task: 'segmentation', conditioning: 'hemis', is2d: true, inChannel: s.in_channel, outputs: keptOutputs(s.out_channel),
    forward: (x, extras) => m.forward(x, extras?.indexesMod ?? Array.from({ length: x.shape[0] }, () => Array<boolean>(contrasts.length).fill(true))),
  };
});

/** FiLM layers for Modified3DUNet (10 slots), linear1/linear2 weights shared with the first one as in FiLMedUnet. */
function filmFactory(flags: number[] | undefined, nMetadata: number | undefined, slots: number): ConditioningFactory | undefined {
  if (!flags || !flags.some((f) => f)) return undefined;
  if (flags.length !== slots) throw new Error(`Modified3DUNet with FiLM: film_layers must have ${slots} entries, got ${flags.length}`);
  if (!(nMetadata && nMetadata > 0)) throw new Error('Modified3DUNet with FiLM: the metadata vector size (n_metadata) is unknown: fit the FiLM encoder on the training set first');
  const layers: FiLMlayer[] = [];
  return (index, channels) => {
    if (!flags[index]) return null;
    const layer = new FiLMlayer(nMetadata, channels);
    if (layers.length) layer.shareWeightsWith(layers[0]);
    layers.push(layer);
    return layer;
  };
}

registerModel('Modified3DUNet', (s) => {
  const conditioning = filmFactory(s.film_layers, s.n_metadata, 10);
  const m = new Modified3DUNet({
    inChannel: s.in_channel, outChannel: s.out_channel, nFilters: s.n_filters ?? 16, attention: s.attention ?? false, dropoutRate: s.dropout_rate ?? 0.3,
    bnMomentum: s.bn_momentum ?? 0.1, finalActivation: s.final_activation ?? 'sigmoid', conditioning,
  });
  return {
    name: 'Modified3DUNet', module: m, task: 'segmentation', conditioning: conditioning ? 'film' : 'none', is2d: false, inChannel: s.in_channel, outputs: keptOutputs(s.out_channel),
    forward: (x, extras) => m.forward(x, conditioning ? requireContext('Modified3DUNet', extras) : undefined),
  };
});

registerModel('Countception', (s) => {
  const m = new Countception({ inChannel: s.in_channel, outChannel: s.out_channel });
  return { name: 'Countception', module: m, task: 'keypoints', conditioning: 'none', is2d: true, inChannel: s.in_channel, outputs: s.out_channel, forward: (x) => m.forward(x) };
});

function classifier(name: string, make: (numClasses: number, dropoutRate: number) => Module & { forward(x: Tensor): Tensor }): void {
  registerModel(name, (s) => {
    if (s.in_channel !== 1) throw new Error(`${name}: ivadomed's classifiers take one input channel, the config gives ${s.in_channel} (turn multichannel off)`);
    // Classes = background + one per target (ivadomed's num_classes is 2 for one target); the output drops the background.
    const m = make(s.out_channel > 1 ? s.out_channel : 2, s.dropout_rate ?? 0.3);
    return {
      name, module: m, task: 'classification', conditioning: 'none', is2d: true, inChannel: 1, outputs: s.out_channel > 1 ? s.out_channel - 1 : 1,
      forward: (x) => m.forward(x),
    };
  });
}
classifier('resnet18', (numClasses) => resnet18({ numClasses }));
classifier('densenet121', (numClasses, dropoutRate) => densenet121({ numClasses, dropoutRate }));

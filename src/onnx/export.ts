/**
 * ONNX export of every ivadomed architecture: picks the model's emitter, declares the graph inputs
 * and outputs with ivadomed's names and dynamic axes, writes the weights as float32 initializers
 * (named by their state-dict names) and the caller's preprocessing metadata as metadata_props.
 * Inference semantics always (BatchNorm running statistics, no dropout), whatever module.training is.
 */
import type { BuiltModel, ModelSpec } from '../nn/models/factory';
import { Countception } from '../nn/models/countception';
import { DenseNet } from '../nn/models/densenet';
import { FiLMedUnet, FiLMlayer } from '../nn/models/film';
import { HeMISUnet } from '../nn/models/hemis';
import { Modified3DUNet } from '../nn/models/modified3dunet';
import { ResNet } from '../nn/models/resnet';
import { Unet } from '../nn/models/unet';
import { Module } from '../nn/module';
import { GraphBuilder, type Dim, type Value } from './builder';
import { countception, densenet, resnet } from './export/classifiers';
import { EmitContext, readWeights, unsupportedModule } from './export/context';
import { modified3dUnet } from './export/modified3dunet';
import { decoder, encoder, hemisUnet } from './export/unet';

/** Opset 17 by default; 15 is the lowest (Shape with start/end), 17 the highest (ReduceMax's axes attribute). */
export const DEFAULT_OPSET = 17;
export const SUPPORTED_OPSETS = [15, 16, 17] as const;

export interface ExportOptions {
  opset?: number;
  /** Written to metadata_props (preprocessing, class names, ...); overrides the keys the exporter adds. */
  metadata?: Record<string, string>;
  producerVersion?: string;
}

export interface TensorSignature {
  name: string;
  dims: Dim[];
}

export interface OnnxExport {
  bytes: Uint8Array;
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  /** ONNX operator types in the graph (sorted). */
  opTypes: string[];
  /** The metadata_props written. */
  metadata: Record<string, string>;
}

/** ivadomed's dynamic axes: {0: 'batch', 2: 'height', 3: 'width', 4: 'depth'} (channels are fixed here). */
const SPATIAL = ['height', 'width', 'depth'];
const imageDims = (channels: number, spatialDims: number): Dim[] => ['batch', channels, ...SPATIAL.slice(0, spatialDims)];

interface GraphPlan {
  name: string;
  inputs: TensorSignature[];
  output: TensorSignature;
  emit(ctx: EmitContext, inputs: Value[]): Value;
}

function isBuiltModel(m: BuiltModel | Module): m is BuiltModel {
  return !(m instanceof Module) && typeof (m as BuiltModel).module === 'object';
}

function firstFilm(layers: ReadonlyArray<unknown>): FiLMlayer | null {
  return (layers.find((l) => l instanceof FiLMlayer) as FiLMlayer | undefined) ?? null;
}

/** What the graph looks like for `m`: inputs, output, and the emitter. */
function planFor(m: Module): GraphPlan {
  if (m instanceof Unet || m instanceof FiLMedUnet) {
    const spatial = m.is2d ? 2 : 3;
    const film = m instanceof FiLMedUnet && m.films.length > 0 ? m : null;
    const inputs: TensorSignature[] = [{ name: 'input', dims: imageDims(m.inChannel, spatial) }];
    if (film) inputs.push({ name: 'metadata', dims: ['batch', film.nMetadata] });
    const outChannel = m.decoder.outChannel;
    return {
      name: m.constructor.name,
      inputs,
      output: { name: 'output', dims: imageDims(outChannel > 1 ? outChannel - 1 : 1, spatial) },
      emit: (ctx, [x]) => decoder(ctx, m.decoder, encoder(ctx, m.encoder, x)),
    };
  }
  if (m instanceof HeMISUnet) {
    const k = m.contrasts.length;
    const outChannel = m.decoder.outChannel;
    return {
      name: 'HeMISUnet',
      inputs: [{ name: 'input', dims: imageDims(k, 2) }, { name: 'availability', dims: ['batch', k] }],
      output: { name: 'output', dims: imageDims(outChannel > 1 ? outChannel - 1 : 1, 2) },
      emit: (ctx, [x, availability]) => hemisUnet(ctx, m, x, availability),
    };
  }
  if (m instanceof Modified3DUNet) {
    const film = firstFilm(m.films);
    const bad = m.films.findIndex((f) => f !== null && !(f instanceof FiLMlayer));
    if (bad >= 0) throw unsupportedModule(m.films[bad]!, `film_layer${bad + 1}`);
    const inputs: TensorSignature[] = [{ name: 'input', dims: imageDims(m.inChannel, 3) }];
    if (film) inputs.push({ name: 'metadata', dims: ['batch', film.nMetadata] });
    return {
      name: 'Modified3DUNet',
      inputs,
      output: { name: 'output', dims: imageDims(m.outChannel > 1 ? m.outChannel - 1 : 1, 3) },
      emit: (ctx, [x]) => modified3dUnet(ctx, m, x),
    };
  }
  if (m instanceof Countception) {
    return {
      name: 'Countception',
      inputs: [{ name: 'input', dims: imageDims(m.inChannel, 2) }],
      output: { name: 'output', dims: imageDims(m.outChannel, 2) },
      emit: (ctx, [x]) => countception(ctx, m, x),
    };
  }
  if (m instanceof ResNet || m instanceof DenseNet) {
    return {
      name: m.constructor.name,
      inputs: [{ name: 'input', dims: imageDims(m.inChannel, 2) }],
      output: { name: 'output', dims: ['batch', m.numClasses - 1] },
      emit: (ctx, [x]) => (m instanceof ResNet ? resnet(ctx, m, x) : densenet(ctx, m, x)),
    };
  }
  throw unsupportedModule(m, '');
}

/** Exports `model` and returns the bytes with the graph's signature and operator list. */
export async function exportOnnxModel(model: BuiltModel | Module, spec: ModelSpec | null = null, options: ExportOptions = {}): Promise<OnnxExport> {
  const module = isBuiltModel(model) ? model.module : model;
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!(SUPPORTED_OPSETS as readonly number[]).includes(opset)) {
    throw new Error(`ONNX export: opset ${opset} is not supported; use one of ${SUPPORTED_OPSETS.join(', ')} (default ${DEFAULT_OPSET})`);
  }
  const plan = planFor(module);
  const b = new GraphBuilder(plan.name);
  const ctx = new EmitContext(b, await readWeights(module));
  const inputValues: Value[] = plan.inputs.map((sig) => ({ name: b.addInput(sig.name, sig.dims), channels: sig.dims[1] as number, rank: sig.dims.length }));
  const metadataInput = inputValues.find((v) => v.name === 'metadata');
  if (metadataInput) ctx.metadata = metadataInput;
  const out = plan.emit(ctx, inputValues);
  const expectedChannels = plan.output.dims[1];
  if (out.channels !== expectedChannels) {
    throw new Error(`ONNX export: ${plan.name} emitted ${out.channels} output channels, expected ${expectedChannels} (emitter out of step with the model)`);
  }
  b.addOutput(out.name, plan.output.name, plan.output.dims);

  const metadata: Record<string, string> = {
    model_name: spec?.name ?? (isBuiltModel(model) ? model.name : plan.name),
    model_class: plan.name,
    input_names: JSON.stringify(plan.inputs.map((i) => i.name)),
    output_names: JSON.stringify([plan.output.name]),
    ...(spec ? { model_spec: JSON.stringify(spec) } : {}),
    ...(options.metadata ?? {}),
  };
  const bytes = b.encode({
    opset,
    producerVersion: options.producerVersion,
    docString: `${plan.name} exported by ivadomed-web (inference mode)`,
    metadata,
  });
  return { bytes, inputs: plan.inputs, outputs: [plan.output], opTypes: [...b.opTypes].sort(), metadata };
}

/** Exports `model` to ONNX ModelProto bytes (see exportOnnxModel for the signature as well). */
export async function exportOnnx(model: BuiltModel | Module, spec: ModelSpec | null = null, options: ExportOptions = {}): Promise<Uint8Array> {
  return (await exportOnnxModel(model, spec, options)).bytes;
}

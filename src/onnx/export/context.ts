/**
 * What every emitter receives: the graph builder, the weights read back from the device (looked up
 * by tensor identity, so shared weights become one initializer named after their first state-dict
 * name), and the graph's conditioning inputs (FiLM metadata, HeMIS availability).
 */
import type { Tensor } from '../../engine/index';
import type { Module } from '../../nn/module';
import type { GraphBuilder, Value } from '../builder';

export interface WeightEntry {
  name: string;
  shape: number[];
  data: Float32Array;
}

export class EmitContext {
  private readonly emitted = new Map<Tensor, string>();
  /** FiLM metadata input [batch, n_metadata], when the model has FiLM layers. */
  metadata: Value | null = null;

  constructor(readonly b: GraphBuilder, private readonly weights: Map<Tensor, WeightEntry>) {}

  /** The initializer holding parameter/buffer `t` (added on first use). */
  weight(t: Tensor): string {
    const hit = this.emitted.get(t);
    if (hit) return hit;
    const entry = this.weights.get(t);
    if (!entry) throw new Error('ONNX export: a layer uses a tensor that is not a registered parameter or buffer of the exported model');
    const name = this.b.initializer(entry.name, entry.data, entry.shape);
    this.emitted.set(t, name);
    return name;
  }

  /** The FiLM metadata input; an error naming the layer when the model was exported without one. */
  requireMetadata(who: string): Value {
    if (!this.metadata) throw new Error(`ONNX export: ${who} is a FiLM layer but the graph has no 'metadata' input (n_metadata unknown)`);
    return this.metadata;
  }
}

/** Reads every parameter and buffer of `module` back from the device, keyed by tensor. */
export async function readWeights(module: Module): Promise<Map<Tensor, WeightEntry>> {
  const out = new Map<Tensor, WeightEntry>();
  for (const [name, t] of [...module.namedParameters(), ...module.namedBuffers()]) {
    const d = await t.data();
    out.set(t, { name, shape: [...t.shape], data: d instanceof Float32Array ? d : Float32Array.from(d) });
  }
  return out;
}

/** The error for a module class no emitter knows (names the class and where it sits). */
export function unsupportedModule(m: Module, where: string): Error {
  return new Error(
    `ONNX export: no ONNX emitter for module ${m.constructor.name}${where ? ` at '${where}'` : ''}; ` +
      'supported: Unet, FiLMedUnet, HeMISUnet, Modified3DUNet (with attention and FiLM), Countception, ResNet, DenseNet and their layers',
  );
}

/**
 * Module: a tree of named parameters, buffers and sub-modules, like torch.nn.Module. Parameter
 * names follow PyTorch's dotted paths ("encoder.down_path.0.conv1.weight") so state dicts line up
 * with ivadomed's models. Parameters and buffers are keep()-ed tensors owned by the module until
 * dispose(). A tensor registered twice (shared weights) appears once, under its first name.
 */
import { assign, noGrad, tensor, type Tensor } from '../engine/index';
import { formatShape, shapesEqual } from '../engine/shape';

/** One tensor of a state dict: shape and float32 values (read back from the device). */
export interface StateEntry {
  shape: number[];
  data: Float32Array;
}
export type StateDict = Map<string, StateEntry>;

export abstract class Module {
  /** Training mode (dropout active, batch statistics); eval() turns it off. */
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly ownChildren = new Map<string, Module>();

  /** Registers a parameter (made a kept, grad-requiring leaf) and returns it. */
  protected param(name: string, t: Tensor): Tensor {
    if (this.ownParams.has(name)) throw new Error(`${this.constructor.name}: parameter '${name}' registered twice`);
    t.keep();
    if (!t.gradFn) t.requireGrad();
    this.ownParams.set(name, t);
    return t;
  }

  /** Registers a buffer (state that is saved but not trained, e.g. BatchNorm running stats). */
  protected buffer(name: string, t: Tensor): Tensor {
    t.keep();
    this.ownBuffers.set(name, t);
    return t;
  }

  /** Registers a sub-module under `name` and returns it. */
  protected child<M extends Module>(name: string, m: M): M {
    if (this.ownChildren.has(name)) throw new Error(`${this.constructor.name}: sub-module '${name}' registered twice`);
    this.ownChildren.set(name, m);
    return m;
  }

  /** Replaces a registered parameter's tensor (weight sharing); the old one is disposed. */
  protected shareParam(name: string, t: Tensor): void {
    const old = this.ownParams.get(name);
    if (!old) throw new Error(`${this.constructor.name}: no parameter '${name}' to share`);
    if (!shapesEqual(old.shape, t.shape)) throw new Error(`${this.constructor.name}: shared '${name}' must be ${formatShape(old.shape)}, got ${formatShape(t.shape)}`);
    if (old !== t) old.dispose();
    this.ownParams.set(name, t);
  }

  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this]];
    const seen = new Set<Module>([this]);
    for (const [name, m] of this.ownChildren) {
      for (const [sub, mm] of m.namedModules(prefix ? `${prefix}.${name}` : name)) {
        if (seen.has(mm)) continue;
        seen.add(mm);
        out.push([sub, mm]);
      }
    }
    return out;
  }

  private namedTensors(kind: 'params' | 'buffers'): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of kind === 'params' ? m.ownParams : m.ownBuffers) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** Every distinct parameter with its dotted name, in registration order. */
  namedParameters(): Array<[string, Tensor]> {
    return this.namedTensors('params');
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(): Array<[string, Tensor]> {
    return this.namedTensors('buffers');
  }

  /** Total number of parameter values (each shared tensor counted once). */
  numParameters(): number {
    return this.parameters().reduce((n, t) => n + t.size, 0);
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Re-draws this module's own parameters with PyTorch's default initialisation. Leaf layers
   * (Conv, Linear, norms) override it; transfer learning calls it on the layers it re-trains.
   */
  resetParameters(): void {}

  /** True when the module defines its own resetParameters (PyTorch: has reset_parameters). */
  get isResettable(): boolean {
    return Object.getPrototypeOf(this).resetParameters !== Module.prototype.resetParameters;
  }

  /** Reads every parameter and buffer back: name -> {shape, float32 data}. */
  async stateDict(): Promise<StateDict> {
    const out: StateDict = new Map();
    for (const [name, t] of [...this.namedParameters(), ...this.namedBuffers()]) {
      const d = await t.data();
      out.set(name, { shape: [...t.shape], data: d instanceof Float32Array ? d.slice() : Float32Array.from(d) });
    }
    return out;
  }

  /**
   * Copies a state dict into the parameters and buffers in place. strict (default): every name
   * must be present on both sides with the same shape; the error lists what is missing/unexpected.
   */
  loadStateDict(state: StateDict, options: { strict?: boolean } = {}): void {
    const strict = options.strict ?? true;
    const targets = new Map([...this.namedParameters(), ...this.namedBuffers()]);
    const missing = [...targets.keys()].filter((k) => !state.has(k));
    // PyTorch's BatchNorm keeps an integer num_batches_tracked that no computation here uses.
    const unexpected = [...state.keys()].filter((k) => !targets.has(k) && !k.endsWith('num_batches_tracked'));
    if (strict && (missing.length || unexpected.length)) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: the weights do not fit this model` +
          (missing.length ? `; missing: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ` (+${missing.length - 8} more)` : ''}` : '') +
          (unexpected.length ? `; unexpected: ${unexpected.slice(0, 8).join(', ')}${unexpected.length > 8 ? ` (+${unexpected.length - 8} more)` : ''}` : '') +
          '. Check that the model name and its parameters (depth, n_filters, channels) match the ones the weights were trained with.',
      );
    }
    for (const [name, target] of targets) {
      const entry = state.get(name);
      if (!entry) continue;
      if (!shapesEqual(entry.shape, target.shape)) {
        throw new Error(`${this.constructor.name}.loadStateDict: '${name}' has shape ${formatShape(entry.shape)} in the weights but ${formatShape(target.shape)} in the model`);
      }
      noGrad(() => {
        const src = tensor(entry.data, entry.shape, { backend: target.backend.name, dtype: target.dtype });
        assign(target, src);
        src.dispose();
      });
    }
  }

  /** Frees every parameter and buffer (and their gradients). */
  dispose(): void {
    for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) t.dispose();
  }
}

/**
 * nn.ModuleList: children named "0", "1", ...; a null entry takes an index but registers nothing
 * (as PyTorch's ModuleList.append(None)), which keeps ivadomed's parameter names.
 */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: Array<M | null> = [];

  constructor(items: Array<M | null> = []) {
    super();
    for (const m of items) this.append(m);
  }

  append(m: M | null): M | null {
    const index = this.items.length;
    this.items.push(m);
    if (m) this.child(String(index), m);
    return m;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M | null {
    return this.items[i] ?? null;
  }
}

/**
 * Weight initialisation with PyTorch's formulas, drawn from the engine's Philox generator (so a
 * manualSeed(...) makes a model identical on CPU and WebGPU). Each function returns a new tensor.
 */
import { affine, mul, noGrad, rand, randn, scope, type Tensor } from '../engine/index';
import type { BackendName, DType } from '../engine/index';

export interface InitTarget {
  backend?: BackendName;
  dtype?: DType;
}

/** fan_in and fan_out of a weight [out, in, k...] (PyTorch's _calculate_fan_in_and_fan_out). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new Error(`fans: a weight needs at least 2 dims, got [${shape.join(', ')}]`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** U(-bound, bound). */
export function uniform(shape: number[], bound: number, o: InitTarget = {}): Tensor {
  // scope(): the raw draw is a temporary; only the scaled tensor survives.
  return scope(() => noGrad(() => affine(rand(shape, o), 2 * bound, -bound)));
}

/** N(mean, std). */
export function normal(shape: number[], mean: number, std: number, o: InitTarget = {}): Tensor {
  return scope(() => noGrad(() => affine(randn(shape, o), std, mean)));
}

/** LeakyReLU-style gain sqrt(2 / (1 + a^2)) (torch.nn.init.calculate_gain('leaky_relu', a)). */
export function leakyReluGain(a: number): number {
  return Math.sqrt(2 / (1 + a * a));
}

/**
 * PyTorch's default Conv/Linear weight init: kaiming_uniform_(a = sqrt(5)), which works out to
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
 */
export function defaultWeight(shape: number[], o: InitTarget = {}): Tensor {
  return uniform(shape, 1 / Math.sqrt(fans(shape).fanIn), o);
}

/** PyTorch's default Conv/Linear bias init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) of the weight. */
export function defaultBias(n: number, weightShape: number[], o: InitTarget = {}): Tensor {
  const fanIn = fans(weightShape).fanIn;
  return uniform([n], fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0, o);
}

/** kaiming_normal_(mode='fan_in', a): N(0, gain / sqrt(fan_in)). */
export function kaimingNormal(shape: number[], a = 0, o: InitTarget = {}): Tensor {
  return normal(shape, 0, leakyReluGain(a) / Math.sqrt(fans(shape).fanIn), o);
}

/** kaiming_normal_(mode='fan_out', nonlinearity='relu') (torchvision ResNet convs). */
export function kaimingNormalFanOut(shape: number[], o: InitTarget = {}): Tensor {
  return normal(shape, 0, Math.SQRT2 / Math.sqrt(fans(shape).fanOut), o);
}

/** xavier_uniform_(gain): U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform(shape: number[], gain = 1, o: InitTarget = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  return uniform(shape, gain * Math.sqrt(6 / (fanIn + fanOut)), o);
}

/** Scales an init (e.g. zero-init helpers): value * t. */
export function scaled(t: Tensor, value: number): Tensor {
  return noGrad(() => mul(t, value));
}

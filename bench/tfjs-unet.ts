/**
 * ivadomed's 2D Unet rebuilt from TensorFlow.js core ops (no tfjs-layers is installed), used by
 * bench/models.bench.ts as the baseline for a training step. Same architecture as
 * src/nn/models/unet.ts with is2d: per block twice [conv 3x3 'same' + bias -> ReLU -> batch norm
 * (batch statistics, running statistics updated with momentum 0.1) -> channel dropout 0.3];
 * max pool 2 between levels; in the decoder bilinear resize to the skip's size with
 * alignCorners true, concat [upsampled, skip], block; final conv 3x3 + sigmoid. Dice loss as
 * ivadomed's DiceLoss; Adam via tf.train.adam. Layout NHWC (TF.js's native one).
 *
 * A training step is optimizer.minimize(loss, returnCost) + `await cost.data()`: the same
 * end-to-end work (forward, loss, backward, Adam, loss readback) as our engine's step.
 */
import type * as TfCore from '@tensorflow/tfjs-core';

type Tf = typeof TfCore;
type T4 = TfCore.Tensor4D;

interface ConvParams {
  w: TfCore.Variable;
  b: TfCore.Variable;
}

interface BlockParams {
  conv1: ConvParams;
  bn1: NormParams;
  conv2: ConvParams;
  bn2: NormParams;
}

interface NormParams {
  gamma: TfCore.Variable;
  beta: TfCore.Variable;
  runningMean: TfCore.Variable;
  runningVar: TfCore.Variable;
}

export interface TfjsUnetOptions {
  depth: number;
  nFilters: number;
  inChannel: number;
  outChannel: number;
  dropoutRate?: number;
  lr?: number;
}

const BN_EPS = 1e-5;
const BN_MOMENTUM = 0.1;

export class TfjsUnet {
  private readonly down: BlockParams[] = [];
  private readonly bottom: BlockParams;
  private readonly up: BlockParams[] = [];
  private readonly last: ConvParams;
  private readonly dropoutRate: number;
  readonly optimizer: TfCore.AdamOptimizer;
  /** The trainable variables (what Adam updates). */
  readonly trainable: TfCore.Variable[] = [];
  private readonly all: TfCore.Variable[] = [];

  constructor(private readonly tf: Tf, readonly o: TfjsUnetOptions) {
    const nf = o.nFilters;
    this.dropoutRate = o.dropoutRate ?? 0.3;
    for (let i = 0; i < o.depth; i++) {
      this.down.push(this.block(i === 0 ? o.inChannel : nf * 2 ** (i - 1), nf * 2 ** i));
    }
    const c = nf * 2 ** (o.depth - 1);
    this.bottom = this.block(c, c);
    // Same channel arithmetic as ivadomed's Decoder.
    let inChannel = nf * 2 ** o.depth;
    this.up.push(this.block(inChannel, nf * 2 ** (o.depth - 1)));
    for (let i = 1; i < o.depth; i++) {
      inChannel = Math.floor(inChannel / 2);
      this.up.push(this.block(inChannel + nf * 2 ** (o.depth - i - 1), nf * 2 ** (o.depth - i - 1)));
    }
    this.last = this.conv(Math.floor(inChannel / 2), o.outChannel);
    this.optimizer = tf.train.adam(o.lr ?? 1e-3);
  }

  /** Kaiming-uniform-like init (the values only need to keep activations finite). */
  private conv(cin: number, cout: number): ConvParams {
    const tf = this.tf;
    const bound = 1 / Math.sqrt(cin * 9);
    const p = {
      w: tf.variable(tf.randomUniform([3, 3, cin, cout], -bound, bound)),
      b: tf.variable(tf.randomUniform([cout], -bound, bound)),
    };
    this.trainable.push(p.w, p.b);
    this.all.push(p.w, p.b);
    return p;
  }

  private norm(c: number): NormParams {
    const tf = this.tf;
    const p = {
      gamma: tf.variable(tf.ones([c])),
      beta: tf.variable(tf.zeros([c])),
      runningMean: tf.variable(tf.zeros([c]), false),
      runningVar: tf.variable(tf.ones([c]), false),
    };
    this.trainable.push(p.gamma, p.beta);
    this.all.push(p.gamma, p.beta, p.runningMean, p.runningVar);
    return p;
  }

  private block(cin: number, cout: number): BlockParams {
    return { conv1: this.conv(cin, cout), bn1: this.norm(cout), conv2: this.conv(cout, cout), bn2: this.norm(cout) };
  }

  private applyConv(x: T4, p: ConvParams): T4 {
    return this.tf.add(this.tf.conv2d(x, p.w as unknown as TfCore.Tensor4D, 1, 'same'), p.b);
  }

  /** Training-mode batch norm: batch statistics, running statistics updated on the side. */
  private applyNorm(x: T4, p: NormParams, training: boolean): T4 {
    const tf = this.tf;
    if (!training) return tf.batchNorm(x, p.runningMean, p.runningVar, p.beta, p.gamma, BN_EPS) as T4;
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const n = x.size / x.shape[3];
    // PyTorch keeps the unbiased variance in the running statistics. These updates are not on the
    // loss's path, so minimize() takes no gradient through them.
    tf.tidy(() => {
      p.runningMean.assign(tf.add(tf.mul(p.runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
      p.runningVar.assign(tf.add(tf.mul(p.runningVar, 1 - BN_MOMENTUM), tf.mul(variance, (BN_MOMENTUM * n) / (n - 1))));
    });
    return tf.batchNorm(x, mean, variance, p.beta, p.gamma, BN_EPS) as T4;
  }

  /** Dropout2d: one keep/drop decision per (sample, channel). */
  private applyDropout(x: T4, training: boolean): T4 {
    if (!training || this.dropoutRate === 0) return x;
    return this.tf.dropout(x, this.dropoutRate, [x.shape[0], 1, 1, x.shape[3]]) as T4;
  }

  private applyBlock(x: T4, p: BlockParams, training: boolean): T4 {
    const tf = this.tf;
    let y = this.applyDropout(this.applyNorm(tf.relu(this.applyConv(x, p.conv1)), p.bn1, training), training);
    y = this.applyDropout(this.applyNorm(tf.relu(this.applyConv(y, p.conv2)), p.bn2, training), training);
    return y;
  }

  /** x: [N, H, W, C_in] -> sigmoid probabilities [N, H, W, C_out]. */
  forward(x: T4, training = true): T4 {
    const tf = this.tf;
    const skips: T4[] = [];
    let y = x;
    for (const p of this.down) {
      y = this.applyBlock(y, p, training);
      skips.push(y);
      y = tf.maxPool(y, 2, 2, 'valid');
    }
    y = this.applyBlock(y, this.bottom, training);
    for (let k = 0; k < this.up.length; k++) {
      const skip = skips[skips.length - 1 - k];
      const upsampled = tf.image.resizeBilinear(y, [skip.shape[1], skip.shape[2]], true);
      y = this.applyBlock(tf.concat([upsampled, skip], 3), this.up[k], training);
    }
    return tf.sigmoid(this.applyConv(y, this.last));
  }

  /** ivadomed DiceLoss: -(2·Σ(p·t) + 1) / (Σp + Σt + 1) over the whole batch. */
  diceLoss(pred: TfCore.Tensor, target: TfCore.Tensor): TfCore.Scalar {
    const tf = this.tf;
    const inter = tf.sum(tf.mul(pred, target));
    return tf.neg(tf.div(tf.add(tf.mul(inter, 2), 1), tf.add(tf.add(tf.sum(pred), tf.sum(target)), 1))) as TfCore.Scalar;
  }

  /** Training-mode forward + loss, loss read back (no gradients). */
  async forwardLoss(x: T4, target: T4): Promise<number> {
    const loss = this.tf.tidy(() => this.diceLoss(this.forward(x, true), target));
    const v = (await loss.data())[0];
    loss.dispose();
    return v;
  }

  /** One training step: forward, Dice loss, backward, Adam; returns the loss read back. */
  async trainStep(x: T4, target: T4): Promise<number> {
    const cost = this.optimizer.minimize(() => this.diceLoss(this.forward(x, true), target), true, this.trainable);
    if (!cost) throw new Error('TF.js minimize returned no cost');
    const v = (await cost.data())[0];
    cost.dispose();
    return v;
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const v of this.all) v.dispose();
  }
}

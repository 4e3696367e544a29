/**
 * ivadomed's FiLMedUnet (INVENTORY §b.2): a Unet whose blocks can be followed by FiLM layers
 * (feature-wise linear modulation) driven by a per-sample metadata vector. Parameter names follow
 * ivadomed: "encoder.down_path.1.generator.linear1.weight", "decoder.last_film.generator.linear3.bias".
 *
 * Differences from ivadomed, on purpose:
 * - Weight sharing is real sharing, set up at construction: ivadomed overwrites every later FiLM
 *   layer's generator linear1.weight / linear2.weight with the first active layer's during each
 *   forward pass. Here the later layers hold the first layer's tensors from the start, so the
 *   computation is the same, the shared weights appear once in namedParameters()/stateDict() (under
 *   the first layer's name) and an optimizer updates them once. Biases and linear3 stay per layer.
 *   (A PyTorch checkpoint of FiLMedUnet lists the shared weights under every layer's name; those
 *   extra names hold the same values and can be dropped before loading.)
 * - final_activation is honoured (ivadomed builds the FiLMedUnet decoder with its default sigmoid
 *   whatever the config says, §n.9); the default is still sigmoid.
 */
import { sigmoid, slice, film, type Tensor } from '../../engine/index';
import { formatShape } from '../../engine/shape';
import { Linear } from '../layers';
import { Module } from '../module';
import { Decoder, Encoder, type ConditioningFactory, type ConditioningLayer, type FinalActivation } from './unet';

/** A Linear whose weight can be replaced by another layer's tensor (FiLM weight sharing). */
class ShareableLinear extends Linear {
  shareWeightOf(owner: Linear): void {
    this.shareParam('weight', owner.weight);
    // Linear reads its `weight` field in forward; point it at the shared tensor as well.
    (this as unknown as { weight: Tensor }).weight = owner.weight;
  }
}

/**
 * FiLMgenerator(n_features, n_channels, n_hid=64): Linear(n_features, n_hid) -> sigmoid ->
 * Linear(n_hid, n_hid/4) -> sigmoid -> Linear(n_hid/4, 2*n_channels) -> sigmoid. Output [N, 2C]:
 * gammas then betas, all in (0, 1) as in ivadomed (§n.13). ivadomed's `sig` has no parameters.
 */
export class FiLMgenerator extends Module {
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly linear3: Linear;

  constructor(readonly nFeatures: number, readonly nChannels: number, readonly nHid = 64) {
    super();
    if (!(Number.isInteger(nFeatures) && nFeatures > 0)) throw new Error(`FiLMgenerator: n_metadata must be a positive integer, got ${nFeatures}`);
    this.linear1 = this.child('linear1', new ShareableLinear(nFeatures, nHid));
    this.linear2 = this.child('linear2', new ShareableLinear(nHid, Math.floor(nHid / 4)));
    this.linear3 = this.child('linear3', new Linear(Math.floor(nHid / 4), nChannels * 2));
  }

  /** Makes linear1.weight and linear2.weight the very tensors of `owner` (see the file comment). */
  shareHiddenWeightsWith(owner: FiLMgenerator): void {
    if (owner === this) return;
    (this.linear1 as ShareableLinear).shareWeightOf(owner.linear1);
    (this.linear2 as ShareableLinear).shareWeightOf(owner.linear2);
  }

  forward(context: Tensor): Tensor {
    const h1 = sigmoid(this.linear1.forward(context));
    const h2 = sigmoid(this.linear2.forward(h1));
    return sigmoid(this.linear3.forward(h2));
  }
}

/** FiLMlayer(n_metadata, n_channels): out = gamma * x + beta, gamma/beta [N, C] from the generator. */
export class FiLMlayer extends Module implements ConditioningLayer {
  readonly generator: FiLMgenerator;

  constructor(readonly nMetadata: number, readonly nChannels: number) {
    super();
    this.generator = this.child('generator', new FiLMgenerator(nMetadata, nChannels));
  }

  /** Shares the generator's linear1/linear2 weights with `owner` (the first FiLM layer of the model). */
  shareWeightsWith(owner: FiLMlayer): void {
    this.generator.shareHiddenWeightsWith(owner.generator);
  }

  /** x [N, C, ...spatial]; context [N, n_metadata] (one metadata vector per sample). */
  forward(x: Tensor, context: Tensor): Tensor {
    const c = this.nChannels;
    if (x.rank < 3 || x.shape[1] !== c) throw new Error(`FiLMlayer(${c} channels): input must be [N, ${c}, ...spatial], got ${formatShape(x.shape)}`);
    if (context.rank !== 2 || context.shape[0] !== x.shape[0] || context.shape[1] !== this.nMetadata) {
      throw new Error(`FiLMlayer: context (metadata) must be [${x.shape[0]}, ${this.nMetadata}] (one n_metadata vector per sample), got ${formatShape(context.shape)}`);
    }
    const params = this.generator.forward(context);
    const gamma = slice(params, [null, [0, c]]);
    const beta = slice(params, [null, [c, 2 * c]]);
    return film(x, gamma, beta);
  }
}

export interface FiLMedUnetOptions {
  inChannel?: number;
  outChannel?: number;
  depth?: number;
  dropoutRate?: number;
  bnMomentum?: number;
  /** Length of the metadata vector; required when any film layer is on. */
  nMetadata?: number;
  /**
   * 2*depth+2 flags: 0..depth-1 encoder levels, depth bottom, depth+1..2*depth decoder up blocks,
   * 2*depth+1 after the last conv. Omitted: all off (a plain Unet).
   */
  filmLayers?: ReadonlyArray<number | boolean>;
  is2d?: boolean;
  nFilters?: number;
  finalActivation?: FinalActivation | string;
}

/** ivadomed's FiLMedUnet; forward(x, context [N, n_metadata]). */
export class FiLMedUnet extends Module {
  readonly encoder: Encoder;
  readonly decoder: Decoder;
  readonly inChannel: number;
  readonly is2d: boolean;
  readonly nMetadata: number;
  readonly filmLayers: boolean[];
  /** The FiLM layers in index order; the first one owns the shared generator weights. */
  readonly films: FiLMlayer[] = [];

  constructor(o: FiLMedUnetOptions = {}) {
    super();
    const depth = o.depth ?? 3;
    this.inChannel = o.inChannel ?? 1;
    this.is2d = o.is2d ?? true;
    const expected = 2 * depth + 2;
    if (o.filmLayers && o.filmLayers.length !== expected) {
      throw new Error(
        `FiLMedUnet: film_layers has ${o.filmLayers.length} entries but depth ${depth} needs 2 * depth + 2 = ${expected} ` +
          '(encoder levels, bottom, decoder levels, last conv)',
      );
    }
    this.filmLayers = o.filmLayers ? o.filmLayers.map((f) => Boolean(f)) : Array(expected).fill(false);
    this.nMetadata = o.nMetadata ?? 0;
    if (this.filmLayers.some((f) => f) && !(Number.isInteger(this.nMetadata) && this.nMetadata > 0)) {
      throw new Error(`FiLMedUnet: film_layers turns FiLM on, so n_metadata must be a positive integer, got ${o.nMetadata}`);
    }
    // Encoder then decoder call this in index order, so films[0] is ivadomed's "first active layer".
    const conditioning: ConditioningFactory = (index, channels) => {
      if (!this.filmLayers[index]) return null;
      const layer = new FiLMlayer(this.nMetadata, channels);
      if (this.films.length > 0) layer.shareWeightsWith(this.films[0]);
      this.films.push(layer);
      return layer;
    };
    const common = { depth, dropoutRate: o.dropoutRate, bnMomentum: o.bnMomentum, is2d: this.is2d, nFilters: o.nFilters, conditioning };
    this.encoder = this.child('encoder', new Encoder({ ...common, inChannel: this.inChannel }));
    this.decoder = this.child('decoder', new Decoder({ ...common, outChannel: o.outChannel, finalActivation: o.finalActivation }));
  }

  forward(x: Tensor, context?: Tensor): Tensor {
    const rank = this.is2d ? 4 : 5;
    if (x.rank !== rank || x.shape[1] !== this.inChannel) {
      throw new Error(`FiLMedUnet: input must be [N, ${this.inChannel}, ${this.is2d ? 'H, W' : 'D, H, W'}], got ${formatShape(x.shape)}`);
    }
    if (this.films.length > 0) {
      if (!context) throw new Error(`FiLMedUnet: FiLM layers are on, so forward needs the metadata (context) [${x.shape[0]}, ${this.nMetadata}]; none was given`);
      if (context.rank !== 2 || context.shape[0] !== x.shape[0] || context.shape[1] !== this.nMetadata) {
        throw new Error(`FiLMedUnet: context must be [${x.shape[0]}, ${this.nMetadata}] (one n_metadata vector per sample), got ${formatShape(context.shape)}`);
      }
    }
    return this.decoder.forward(this.encoder.forward(x, context), context);
  }
}

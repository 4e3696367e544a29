/**
 * What a conditioned model needs at inference beside the image, item by item:
 * - FiLM (FiLMedUnet, Modified3DUNet with film_layers): the one-hot metadata vector of the item,
 *   encoded with the FilmEncoder fitted on the TRAINING set and saved beside the model
 *   (<model folder>/film_encoder.json). Refitting on the test images would change the categories.
 * - HeMIS (HeMISUnet): one input slot per contrast the model was trained on (spec.contrasts, in
 *   that order). The item's channels (its contrasts, from contrast_params.testing) are put in their
 *   slots; a contrast the item lacks is a zeroed channel marked absent in indexesMod, so the model
 *   fuses only the present modalities (HeMIS's point: robust to missing modalities).
 * - Other models: the item's channels as they are (checked against in_channel).
 */
import { FilmEncoder, type FileSource, type FilmEncoderJSON, type NdArray } from '../data/index';
import type { BuiltModel, ModelSpec } from '../nn/models/index';

/** Per item: the FiLM vector and / or the HeMIS availability of each model contrast. */
export interface ItemCondition {
  context?: Float32Array;
  present?: boolean[];
}

/** What an item says about itself (DatasetItem.meta has these). */
export interface ItemMetaLike {
  metadata: Record<string, unknown>;
  contrasts: string[];
  filenames: string[];
}

export interface PreparedInput {
  /** [channels, ...spatial], C-order, channel slowest. */
  data: Float32Array;
  channels: number;
  condition: ItemCondition;
}

export const FILM_ENCODER_FILE = 'film_encoder.json';

function stack(arrays: readonly NdArray[], per: number, slots: number, slotOf: (c: number) => number): Float32Array {
  const out = new Float32Array(per * slots);
  arrays.forEach((a, c) => {
    const s = slotOf(c);
    if (s >= 0) out.set(a.data, s * per);
  });
  return out;
}

export class InferenceConditioning {
  private constructor(
    readonly model: BuiltModel,
    readonly kind: 'none' | 'film' | 'hemis',
    /** FiLM: the encoder fitted on the training set. */
    readonly encoder: FilmEncoder | null,
    /** HeMIS: the model's contrasts, one input slot each. */
    readonly contrasts: readonly string[] | null,
  ) {}

  /** A model without conditioning (Unet, Modified3DUNet without FiLM, ...). */
  static plain(model: BuiltModel): InferenceConditioning {
    if (model.conditioning !== 'none') {
      throw new Error(`${model.name} needs ${model.conditioning === 'film' ? 'FiLM metadata (its film_encoder.json)' : 'HeMIS contrast availability'} at inference: load it with loadInferenceConditioning(...).`);
    }
    return new InferenceConditioning(model, 'none', null, null);
  }

  static film(model: BuiltModel, encoder: FilmEncoder): InferenceConditioning {
    return new InferenceConditioning(model, 'film', encoder, null);
  }

  static hemis(model: BuiltModel, contrasts: readonly string[]): InferenceConditioning {
    if (contrasts.length !== model.inChannel) {
      throw new Error(`${model.name}: ${contrasts.length} contrasts (${contrasts.join(', ')}) for ${model.inChannel} input channels.`);
    }
    return new InferenceConditioning(model, 'hemis', null, [...contrasts]);
  }

  /** FiLM vector of an item (throws naming the file when its metadata cannot be encoded). */
  contextOf(meta: ItemMetaLike): Float32Array {
    if (!this.encoder) throw new Error(`${this.model.name} is not FiLM-conditioned.`);
    return this.encoder.encode({ metadata: meta.metadata, contrasts: meta.contrasts, filenames: meta.filenames });
  }

  /** HeMIS: which model contrasts an item with these contrasts has. */
  presence(itemContrasts: readonly string[], file = 'image'): boolean[] {
    const model = this.contrasts ?? [];
    const unknown = itemContrasts.filter((c) => !model.includes(c));
    if (unknown.length) {
      throw new Error(`${file}: contrast(s) ${unknown.join(', ')} were not seen by ${this.model.name}, trained on ${model.join(', ')}: list only those in contrast_params.testing.`);
    }
    const present = model.map((c) => itemContrasts.includes(c));
    if (!present.some(Boolean)) throw new Error(`${file}: none of ${this.model.name}'s contrasts (${model.join(', ')}) is present.`);
    return present;
  }

  /** The model's input for one item ([C, ...spatial] channels) and its condition. */
  prepare(input: readonly NdArray[], meta: ItemMetaLike): PreparedInput {
    const per = input[0].data.length;
    const file = meta.filenames[0] ?? 'image';
    if (this.kind === 'hemis') {
      const slots = this.contrasts!;
      if (meta.contrasts.length !== input.length) throw new Error(`${file}: ${input.length} channel(s) but ${meta.contrasts.length} contrast name(s) (${meta.contrasts.join(', ')}).`);
      const present = this.presence(meta.contrasts, file);
      return { data: stack(input, per, slots.length, (c) => slots.indexOf(meta.contrasts[c])), channels: slots.length, condition: { present } };
    }
    if (input.length !== this.model.inChannel) {
      throw new Error(`${file}: ${input.length} input channel(s) (${meta.contrasts.join(', ')}) but ${this.model.name} takes ${this.model.inChannel}: use the contrasts and loader_parameters.multichannel the model was trained with.`);
    }
    const data = stack(input, per, input.length, (c) => c);
    return { data, channels: input.length, condition: this.kind === 'film' ? { context: this.contextOf(meta) } : {} };
  }
}

/**
 * The conditioning of a loaded model: FiLM reads `<modelFolder>/film_encoder.json` (written by the
 * trainer); HeMIS takes the model's contrasts from its spec; others need nothing.
 */
export async function loadInferenceConditioning(
  model: BuiltModel, spec: ModelSpec, source: FileSource, modelFolder: string,
): Promise<InferenceConditioning> {
  if (model.conditioning === 'none') return InferenceConditioning.plain(model);
  if (model.conditioning === 'hemis') {
    const contrasts = spec.contrasts;
    if (!contrasts?.length) throw new Error(`${model.name}: the model description has no "contrasts" (one encoder per contrast); retrain it with ivadomed-web.`);
    return InferenceConditioning.hemis(model, contrasts);
  }
  const path = `${modelFolder.replace(/\/+$/, '')}/${FILM_ENCODER_FILE}`;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await source.read(path));
  } catch {
    throw new Error(
      `${model.name} is FiLM-conditioned but "${path}" (the metadata encoder fitted on the training set) was not found in "${source.name}". ` +
        'The trainer writes it beside the weights: copy it from the training output, or retrain.',
    );
  }
  let encoder: FilmEncoder;
  try {
    encoder = FilmEncoder.fromJSON(JSON.parse(new TextDecoder().decode(bytes)) as FilmEncoderJSON);
  } catch (err) {
    throw new Error(`"${path}" is not a readable FiLM encoder: ${(err as Error).message}`);
  }
  if (spec.n_metadata !== undefined && encoder.nMetadata !== spec.n_metadata) {
    throw new Error(`"${path}" encodes ${encoder.nMetadata} metadata values but ${model.name} was built for n_metadata = ${spec.n_metadata}: the encoder belongs to another training.`);
  }
  return InferenceConditioning.film(model, encoder);
}

/**
 * What a batch needs beside the image for the conditioned architectures: FiLM's one-hot metadata
 * vector (an encoder fitted on the training set) and HeMIS's missing-modality curriculum (training
 * drops contrasts at random: missing channels are zeroed and the model fuses only the present ones).
 */
import type { IvadomedConfig, ResolvedModelParams } from '../config/index';
import type { Batch, DataRng } from '../data/index';
import { tensor, type Tensor } from '../engine/index';
import type { ForwardExtras } from '../nn/models/index';
import { missingModalityMask } from '../nn/models/hemis';
import type { PreparedData } from './setup';
import { fitFilmConditioning } from './film_conditioning';

export interface BatchExtras extends ForwardExtras {
  /** Replacement input (HeMIS: missing channels zeroed). */
  input?: Tensor;
}

export type Conditioning =
  | { kind: 'film'; nMetadata: number; encoderJson: unknown; extras(batch: Batch, training: boolean, rng: DataRng | null, p: number | null): BatchExtras }
  | {
      kind: 'hemis'; missingProbability: number; missingProbabilityGrowth: number;
      extras(batch: Batch, training: boolean, rng: DataRng | null, p: number | null): BatchExtras;
    };

export async function buildConditioning(config: IvadomedConfig, model: ResolvedModelParams, data: PreparedData): Promise<Conditioning | null> {
  const filmApplied = (config as unknown as { FiLMedUnet?: { applied?: boolean } }).FiLMedUnet?.applied === true;
  if (model.name === 'FiLMedUnet' || filmApplied) {
    const metadataKind = String(model.params.metadata ?? 'contrasts');
    return fitFilmConditioning(metadataKind, data);
  }
  if (model.name === 'HeMISUnet') {
    const p = Number(model.params.missing_probability ?? 0);
    const growth = Number(model.params.missing_probability_growth ?? 1);
    return {
      kind: 'hemis', missingProbability: p, missingProbabilityGrowth: growth,
      extras(batch, training, rng, prob) {
        const [n, c] = batch.input.shape;
        const mask = training && rng && prob ? missingModalityMask(n, c, prob, () => rng.random()) : Array.from({ length: n }, () => Array<boolean>(c).fill(true));
        if (!training || !prob) return { indexesMod: mask };
        const per = batch.input.data.length / (n * c);
        const data = batch.input.data.slice();
        for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) if (!mask[b][k]) data.fill(0, (b * c + k) * per, (b * c + k + 1) * per);
        return { indexesMod: mask, input: tensor(data, batch.input.shape) };
      },
    };
  }
  return null;
}

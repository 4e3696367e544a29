/**
 * FiLM metadata for the training loop: the one-hot encoder (ivadomed's KDE clustering of MRI
 * parameters, or contrast / participants-column categories) is fitted on the training entries only,
 * then every batch gets its [N, n_metadata] context tensor. The encoder is saved with the model.
 */
import { FilmEncoder, filmProblems, type Batch } from '../data/index';
import { tensor } from '../engine/index';
import type { Conditioning } from './conditioning';
import type { PreparedData } from './setup';

export async function fitFilmConditioning(metadataKind: string, data: PreparedData): Promise<Conditioning> {
  const metas = data.trainEntries.map((e) => ({ metadata: e.metadata, contrasts: e.contrasts, filenames: e.filenames }));
  const problems = filmProblems(metadataKind, [...metas, ...data.validEntries.map((e) => ({ metadata: e.metadata, contrasts: e.contrasts, filenames: e.filenames }))]);
  if (problems.length) {
    throw new Error(
      `FiLM metadata "${metadataKind}" is missing for ${problems.length} image(s): ${problems.slice(0, 5).map((p) => `${p.file} (${p.problem})`).join('; ')}. ` +
        'Add the keys to the JSON sidecars (or participants.tsv), or choose another FiLMedUnet.metadata.',
    );
  }
  const encoder = FilmEncoder.fit(metadataKind, metas);
  return {
    kind: 'film',
    nMetadata: encoder.nMetadata,
    encoderJson: encoder.toJSON(),
    extras(batch: Batch) {
      const n = batch.items.length;
      const ctx = new Float32Array(n * encoder.nMetadata);
      batch.items.forEach((it, i) => ctx.set(encoder.encode({ metadata: it.meta.metadata, contrasts: it.meta.contrasts, filenames: it.meta.filenames }), i * encoder.nMetadata));
      return { context: tensor(ctx, [n, encoder.nMetadata]) };
    },
  };
}

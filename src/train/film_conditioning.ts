/** FiLM metadata for the training loop: fit the one-hot encoder on the training items. */
import type { Batch, DataRng } from '../data/index';
import type { PreparedData } from './setup';
import type { Conditioning } from './conditioning';

export async function fitFilmConditioning(metadataKind: string, data: PreparedData): Promise<Conditioning> {
  void data;
  throw new Error(`FiLM conditioning on "${metadataKind}" is not available yet`);
}
export type { Batch, DataRng };

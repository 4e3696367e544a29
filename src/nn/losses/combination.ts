/** LossCombination's arithmetic: the sum of its member losses on the same (pred, target). */
import { add } from '../../engine';
import { defineLoss, type Loss } from './types';

export function sumOfLosses(losses: readonly Loss[]): Loss {
  if (losses.length === 0) throw new Error('LossCombination: losses_list is empty; give at least one loss name');
  return defineLoss('LossCombination', (p, t) => losses.slice(1).reduce((acc, loss) => add(acc, loss(p, t)), losses[0](p, t)));
}

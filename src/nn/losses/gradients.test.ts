/**
 * Gradients of every loss: the engine's gradcheck (float64 CPU, central differences) for
 * predictions strictly inside (0, 1), binary and soft targets; and finite gradients where float32
 * sigmoid outputs saturate to exactly 0 or 1.
 */
import { describe, expect, it } from 'vitest';
import { checkInput, gradcheck, setBackend, tensor, type Tensor } from '../../engine';
import { createLoss, type Loss } from './index';

setBackend('cpu');

const CONFIGS: Array<Record<string, unknown> & { name: string }> = [
  { name: 'DiceLoss' },
  { name: 'MultiClassDiceLoss' },
  { name: 'MultiClassDiceLoss', classes_of_interest: [1, 2] },
  { name: 'BinaryCrossEntropyLoss' },
  { name: 'FocalLoss' },
  { name: 'FocalLoss', gamma: 1.5, alpha: 0.6 },
  { name: 'FocalDiceLoss', beta: 0.5 },
  { name: 'GeneralizedDiceLoss' },
  { name: 'GeneralizedDiceLoss', include_background: false },
  { name: 'TverskyLoss' },
  { name: 'FocalTverskyLoss' },
  { name: 'L2loss' },
  { name: 'AdapWingLoss' },
  { name: 'AdapWingLoss', theta: 0.2, epsilon: 0.5 },
  { name: 'LossCombination', losses_list: ['AdapWingLoss', 'L2loss', 'DiceLoss'] },
];

const shape = [2, 3, 2, 2];
const size = 24;
/** Binary target with every channel non-empty in some sample, one all-zero voxel, and soft values. */
function target(soft: boolean): Tensor {
  const values = Array.from({ length: size }, (_, i) => (soft && i % 4 === 1 ? 0.3 : i % 3 === 0 || i % 5 === 0 ? 1 : 0));
  return tensor(values, shape, { dtype: 'float64', backend: 'cpu' });
}

describe('gradcheck (float64, central differences)', () => {
  for (const config of CONFIGS) {
    for (const soft of [false, true]) {
      it(`${JSON.stringify(config)} ${soft ? 'soft' : 'binary'} target`, () => {
        const loss = createLoss(config);
        const p = checkInput(shape, 7, 0.02, 0.98);
        const t = target(soft);
        const r = gradcheck((a, b) => loss(a, b), [p, t], { skip: [1] });
        expect(r.maxAbsError).toBeLessThan(1e-5);
      });
    }
  }
});

describe('saturated predictions (exactly 0 and 1) give finite gradients', () => {
  for (const name of ['BinaryCrossEntropyLoss', 'FocalLoss', 'FocalDiceLoss', 'AdapWingLoss', 'DiceLoss', 'GeneralizedDiceLoss', 'L2loss']) {
    it(name, async () => {
      const loss: Loss = createLoss({ name });
      const p = tensor([0, 1, 1, 0, 0.5, 1], [1, 2, 3], { requiresGrad: true });
      const t = tensor([1, 1, 0, 0, 1, 1], [1, 2, 3]);
      const l = loss(p, t);
      l.backward();
      expect(Number.isFinite(await l.item())).toBe(true);
      const g = await p.grad!.data();
      expect([...g].every(Number.isFinite), `${name} grad ${[...g]}`).toBe(true);
      // BCE at p = t = 1: d/dp of -ln(p)/n = -1/6 (one-sided; torch's fused rule (p - t)/max(p(1-p), 1e-12)/n
      // gives 0 there, docs/losses.md); at p = 0, t = 1 the clamped log is flat: 0, not NaN
      if (name === 'BinaryCrossEntropyLoss') {
        expect(g[1]).toBeCloseTo(-1 / 6, 6);
        expect(g[0]).toBe(0);
      }
    });
  }
});

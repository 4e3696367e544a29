/**
 * float32 on both backends: every loss gives the same value and gradient on WebGPU as on the CPU,
 * and both agree with the float64 loop reference within 1e-5 relative.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import { compareBackends, seededValues, setBackend } from '../../engine';
import { createLoss } from './index';
import {
  refAdapWing, refBce, refDice, refFocal, refFocalDice, refFocalTversky, refGeneralizedDice, refL2, refMultiClassDice, refTversky, type Arr,
} from './reference';

const shape = [2, 3, 4, 5];
const size = 120;
// Predictions in (0.01, 0.99) rounded to float32 (the reference then sees the same inputs).
const p = seededValues(size, 3, 0.01, 0.99);
// Binary target with some soft voxels and some all-zero voxels (background channel of GDL).
const t = Float32Array.from(seededValues(size, 4, 0, 1), (u, i) => (i % 13 === 0 ? 0.5 : u > 0.6 ? 1 : 0));
const pa: Arr = { data: p, shape };
const ta: Arr = { data: t, shape };

const CASES: Array<[Record<string, unknown> & { name: string }, number]> = [
  [{ name: 'DiceLoss' }, refDice(p, t)],
  [{ name: 'MultiClassDiceLoss' }, refMultiClassDice(pa, ta)],
  [{ name: 'MultiClassDiceLoss', classes_of_interest: [2] }, refMultiClassDice(pa, ta, [2])],
  [{ name: 'BinaryCrossEntropyLoss' }, refBce(p, t)],
  [{ name: 'FocalLoss' }, refFocal(p, t)],
  [{ name: 'FocalLoss', gamma: 1.3, alpha: 0.7 }, refFocal(p, t, 1.3, 0.7)],
  [{ name: 'FocalDiceLoss', beta: 0.8, gamma: 2.2, alpha: 0.3 }, refFocalDice(p, t, 0.8, 2.2, 0.3)],
  [{ name: 'GeneralizedDiceLoss' }, refGeneralizedDice(pa, ta)],
  [{ name: 'GeneralizedDiceLoss', include_background: false }, refGeneralizedDice(pa, ta, 1e-5, false)],
  [{ name: 'TverskyLoss' }, refTversky(pa, ta)],
  [{ name: 'FocalTverskyLoss' }, refFocalTversky(pa, ta)],
  [{ name: 'L2loss' }, refL2(p, t)],
  [{ name: 'AdapWingLoss' }, refAdapWing(p, t)],
  [{ name: 'AdapWingLoss', theta: 0.3, alpha: 2.3, omega: 8, epsilon: 0.7 }, refAdapWing(p, t, 0.3, 2.3, 8, 0.7)],
  [
    { name: 'LossCombination', losses_list: ['AdapWingLoss', 'L2loss', 'DiceLoss'], params_list: [null, null, { smooth: 0.5 }] },
    refAdapWing(p, t) + refL2(p, t) + refDice(p, t, 0.5),
  ],
];

describe('losses: WebGPU = CPU, and float32 = float64 reference', async () => {
  const acquired = await testDevice();
  if (acquired) setBackend('webgpu', { device: acquired.device });
  setBackend('cpu');

  for (const [config, reference] of CASES) {
    it.skipIf(!acquired)(JSON.stringify(config), async () => {
      const loss = createLoss(config);
      const r = await compareBackends((a, b) => loss(a, b), [{ shape, values: p }, { shape, values: t }], {
        grads: true, atol: 1e-6, rtol: 1e-5, label: config.name,
      });
      for (const [backend, v] of [['cpu', r.cpu[0]], ['webgpu', r.gpu[0]]] as const) {
        expect(Math.abs(v - reference) / Math.abs(reference), `${backend} ${v} vs float64 ${reference}`).toBeLessThan(1e-5);
      }
    });
  }
});

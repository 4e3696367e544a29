/**
 * The expected values of ivadomed's own unit tests (testing/unit_tests/test_losses.py, v2.9.x),
 * re-stated here as (input, target, kwargs, value): an outside check that our formulas, kwarg
 * spellings and defaults give ivadomed's numbers. ivadomed asserts them with rel_tol 1e-2 (1e-3 for
 * MultiClassDice); the 4-5 digit constants are checked to their printed precision.
 */
import { describe, expect, it } from 'vitest';
import { setBackend, tensor } from '../../engine';
import { createLoss } from './index';

setBackend('cpu');

type Nested = number | Nested[];
/** A constant ivadomed's test prints to a few decimals: checked to half a unit of its last digit. */
interface Printed {
  value: number;
  tol: number;
}
function printed(value: number): Printed {
  const decimals = String(value).split('.')[1]?.length ?? 0;
  return { value, tol: 0.5 * 10 ** -decimals };
}
const CASES: Array<[Record<string, unknown> & { name: string }, Nested, Nested, number | Printed]> = [
  // MultiClassDiceLoss
  [{ name: 'MultiClassDiceLoss' }, [[[[[0, 1], [0, 0]], [[0, 1], [0, 0]]]]], [[[[[0, 1], [0, 0]], [[0, 1], [0, 0]]]]], -1],
  [{ name: 'MultiClassDiceLoss' }, [[[[0, 0], [0, 0]]]], [[[[1, 0], [0, 1]]]], -1 / 3],
  [{ name: 'MultiClassDiceLoss' }, [[[[0, 0], [1, 0]], [[0, 0], [0, 0]]]], [[[[0, 0], [1, 0]], [[1, 0], [0, 0]]]], -(1 + 1 / 2) / 2],
  [{ name: 'MultiClassDiceLoss', classes_of_interest: [1] }, [[[[0, 0], [1, 0]], [[0, 0], [0, 0]]]], [[[[0, 0], [1, 0]], [[1, 0], [1, 0]]]], -1 / 3],
  // GeneralizedDiceLoss
  [{ name: 'GeneralizedDiceLoss', epsilon: 1e-5, include_background: true }, [[[[[0, 1], [0, 0]], [[0, 1], [0, 0]]]]], [[[[[0, 1], [0, 0]], [[0, 1], [0, 0]]]]], -1],
  [{ name: 'GeneralizedDiceLoss', epsilon: 1e-5, include_background: false }, [[[[1, 0], [0, 1]]]], [[[[1, 0], [1, 1]]]], -0.8],
  [{ name: 'GeneralizedDiceLoss', epsilon: 1e-5 }, [[[[1, 0], [0, 1]]]], [[[[1, 0], [1, 1]]]], -11 / 16],
  [{ name: 'GeneralizedDiceLoss', epsilon: 1e-5 }, [[[[0, 0], [0, 0]]]], [[[[1, 0], [0, 0]]]], -3 / 8],
  [{ name: 'GeneralizedDiceLoss', epsilon: 1e-5, include_background: false }, [[[[0, 0], [0, 0]]]], [[[[1, 0], [0, 0]]]], 0],
  [{ name: 'GeneralizedDiceLoss', epsilon: 1e-5 }, [[[[1, 0], [0, 0]], [[0, 1], [0, 1]]]], [[[[1, 0], [0, 0]], [[0, 1], [0, 0]]]], -18 / 23],
  [{ name: 'GeneralizedDiceLoss', epsilon: 1e-5, include_background: true }, [[[[1, 0], [0, 1]]], [[[1, 0], [0, 1]]]], [[[[1, 0], [1, 1]]], [[[1, 0], [1, 1]]]], -11 / 16],
  // DiceLoss
  [{ name: 'DiceLoss' }, [[[[1, 0], [0, 1]]]], [[[[1, 0], [0, 1]]]], -1],
  [{ name: 'DiceLoss' }, [[[[0, 0], [0, 0]]]], [[[[1, 0], [0, 1]]]], -1 / 3],
  // TverskyLoss
  [{ name: 'TverskyLoss', alpha: 0.7, beta: 0.3 }, [[[[0, 0], [0, 0]]]], [[[[1, 0], [0, 1]]]], -0.625],
  [{ name: 'TverskyLoss', alpha: 0.3, beta: 0.7, smooth: 1 }, [[[[0, 0], [0, 0]]]], [[[[1, 0], [0, 1]]]], printed(-0.417)],
  [{ name: 'TverskyLoss', alpha: 0.3, beta: 0.7, smooth: 0.01 }, [[[[0, 0], [0, 0]]]], [[[[1, 0], [0, 1]]]], printed(-0.0071)],
  [{ name: 'TverskyLoss', alpha: 0.3, beta: 0.7 }, [[[[0, 0], [1, 0]], [[0, 0], [0, 0]]]], [[[[0, 0], [1, 0]], [[1, 0], [0, 0]]]], -(1 + 1 / 1.7) / 2],
  // FocalTverskyLoss
  [{ name: 'FocalTverskyLoss', alpha: 0.7, beta: 0.3, gamma: 1.5 }, [[[[0, 0], [0, 0]]]], [[[[1, 0], [0, 1]]]], printed(0.52)],
  [{ name: 'FocalTverskyLoss', alpha: 0.7, beta: 0.3, gamma: 1 }, [[[[0, 0], [0, 0]]]], [[[[1, 0], [0, 1]]]], 0.375],
  [{ name: 'FocalTverskyLoss', alpha: 0.7, beta: 0.3, gamma: 1.33 }, [[[[0, 0], [1, 0]], [[0, 0], [0, 0]]]], [[[[0, 0], [1, 0]], [[1, 0], [0, 0]]]],
    (0 + Math.pow(1 - 1 / 1.3, 1 / 1.33)) / 2],
  // L2loss
  [{ name: 'L2loss' }, [[[[0, 0], [0, 0]]]], [[[[1, 0], [0, 1]]]], 1],
  [{ name: 'L2loss' }, [[[[0.5, 0.5], [0.5, 0.5]]]], [[[[0.5, 1], [1, 1]]]], 0.375],
  // AdapWingLoss
  [{ name: 'AdapWingLoss' }, [[[[1, 1], [0, 0]]]], [[[[1, 1], [0, 0]]]], 0],
  [{ name: 'AdapWingLoss' }, [[[[1, 1], [0, 0]]]], [[[[1, 0], [1, 1]]]], printed(29.0147)],
  [{ name: 'AdapWingLoss', omega: 20 }, [[[[1, 1], [0, 0]]]], [[[[1, 0], [1, 1]]]], printed(41.4496)],
  [{ name: 'AdapWingLoss', epsilon: 2 }, [[[[0.5, 0.5], [0.5, 0.5]]]], [[[[0.5, 1], [1, 1]]]], printed(8.2703)],
  // LossCombination
  [{ name: 'LossCombination', losses_list: ['DiceLoss', 'L2loss'], params_list: [null, null] }, [[[[1, 1], [0, 0]]]], [[[[1, 1], [0, 0]]]], -1],
  [{ name: 'LossCombination', losses_list: ['DiceLoss', 'L2loss'], params_list: [null, null] }, [[[[1, 1], [0, 0]]]], [[[[1, 0], [1, 1]]]], 1],
  [{ name: 'LossCombination', losses_list: ['DiceLoss', 'L2loss'], params_list: [null, null] }, [[[[0.5, 0.5], [0.5, 0.5]]]], [[[[0.5, 1], [1, 1]]]], printed(-0.3173)],
  // FocalDiceLoss
  [{ name: 'FocalDiceLoss' }, [[[[1, 1], [0, 0]]]], [[[[1, 1], [0, 0]]]], printed(-16.1181)],
  [{ name: 'FocalDiceLoss' }, [[[[1, 1], [0, 0]]]], [[[[1, 0], [1, 1]]]], printed(3.6897)],
  [{ name: 'FocalDiceLoss' }, [[[[0.5, 0.5], [0.5, 0.5]]]], [[[[0.5, 1], [1, 1]]]], printed(-1.1619)],
];

describe("ivadomed's unit-test values (float32, as ivadomed's tests run)", () => {
  CASES.forEach(([config, input, target, want], i) => {
    // exact values (fractions) to float32 rounding, printed ones to their last digit
    const { value: expected, tol } = typeof want === 'number' ? { value: want, tol: 1e-6 * Math.max(1, Math.abs(want)) } : want;
    it(`#${i} ${JSON.stringify(config)} = ${expected}`, async () => {
      const v = await createLoss(config)(tensor(input), tensor(target)).item();
      expect(Math.abs(v - expected), `${v} vs ${expected}`).toBeLessThanOrEqual(tol);
    });
  });
});

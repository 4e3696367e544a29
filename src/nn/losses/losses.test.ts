/**
 * Loss values on tiny arrays, worked by hand (the arithmetic is in the comments) and against the
 * float64 loop references (reference.ts); kwarg and shape errors; agreement with the config schema.
 */
import { describe, expect, it } from 'vitest';
import { setBackend, tensor, type Tensor } from '../../engine';
import { LOSS_SCHEMAS, LOSS_NAMES as CONFIG_LOSS_NAMES } from '../../config';
import { metaOf } from '../../config/fields';
import {
  adapWingLoss, binaryCrossEntropyLoss, createLoss, diceLoss, focalDiceLoss, focalLoss, focalTverskyLoss, generalizedDiceLoss,
  l2Loss, LOSS_KWARGS, LOSS_NAMES, lossCombination, multiClassDiceLoss, tverskyLoss, type Loss,
} from './index';
import {
  refAdapWing, refBce, refDice, refFocal, refFocalDice, refFocalTversky, refGeneralizedDice, refL2, refMultiClassDice, refTversky,
} from './reference';

setBackend('cpu');

const f64 = (values: number[], shape: number[]): Tensor => tensor(values, shape, { dtype: 'float64', backend: 'cpu' });
async function value(loss: Loss, p: number[], t: number[], shape: number[]): Promise<number> {
  const out = loss(f64(p, shape), f64(t, shape));
  expect(out.shape).toEqual([]);
  return out.item();
}

// The running example, 1x1x2x2: p = [1, 0, .5, .5], t = [1, 0, 1, 0].
const P = [1, 0, 0.5, 0.5];
const T = [1, 0, 1, 0];
const S1 = [1, 1, 2, 2];

describe('hand-computed values', () => {
  it('DiceLoss', async () => {
    // I = 1 + .5 = 1.5, Σp = 2, Σt = 2: -(3 + 1)/(4 + 1)
    expect(await value(diceLoss(), P, T, S1)).toBeCloseTo(-0.8, 12);
    // smooth 0: -3/4
    expect(await value(diceLoss({ smooth: 0 }), P, T, S1)).toBeCloseTo(-0.75, 12);
    // empty masks: -(0 + 1)/(0 + 1)
    expect(await value(diceLoss(), [0, 0, 0, 0], [0, 0, 0, 0], S1)).toBe(-1);
    // one global Dice over the batch, not a mean of per-sample Dice: 2 samples [1,0] / [0,0] vs t [1,0] / [1,0]
    // I = 1, Σp = 1, Σt = 2: -(2 + 1)/(3 + 1) = -0.75 (a per-sample mean would give -(1 + 1/2)/2)
    expect(await value(diceLoss(), [1, 0, 0, 0], [1, 0, 1, 0], [2, 1, 2])).toBeCloseTo(-0.75, 12);
  });

  it('MultiClassDiceLoss (C = 2, 3)', async () => {
    // 1x2x1x2: c0 p [1,0] t [1,0] -> -(2+1)/(1+1+1) = -1; c1 p [.5,.5] t [0,1] -> -(1+1)/(1+1+1) = -2/3
    const p = [1, 0, 0.5, 0.5];
    const t = [1, 0, 0, 1];
    expect(await value(multiClassDiceLoss(), p, t, [1, 2, 1, 2])).toBeCloseTo(-5 / 6, 12);
    expect(await value(multiClassDiceLoss({ classes_of_interest: [1] }), p, t, [1, 2, 1, 2])).toBeCloseTo(-2 / 3, 12);
    expect(await value(multiClassDiceLoss({ classes_of_interest: [0] }), p, t, [1, 2, 1, 2])).toBeCloseTo(-1, 12);
    // a repeated index counts twice (ivadomed loops over the list): (-1 - 1 - 2/3)/3
    expect(await value(multiClassDiceLoss({ classes_of_interest: [0, 0, 1] }), p, t, [1, 2, 1, 2])).toBeCloseTo(-8 / 9, 12);
    // C = 3 with an empty class: c2 p = t = 0 -> -1; mean = (-1 - 2/3 - 1)/3
    const p3 = [1, 0, 0.5, 0.5, 0, 0];
    const t3 = [1, 0, 0, 1, 0, 0];
    expect(await value(multiClassDiceLoss(), p3, t3, [1, 3, 1, 2])).toBeCloseTo(-8 / 9, 12);
    // the same loss object on another channel count (ivadomed would keep range(2) from the first call)
    const loss = multiClassDiceLoss();
    expect(await value(loss, p, t, [1, 2, 1, 2])).toBeCloseTo(-5 / 6, 12);
    expect(await value(loss, p3, t3, [1, 3, 1, 2])).toBeCloseTo(-8 / 9, 12);
  });

  it('BinaryCrossEntropyLoss', async () => {
    // -(ln .5 + ln .75)/2
    expect(await value(binaryCrossEntropyLoss(), [0.5, 0.25], [1, 0], [1, 2])).toBeCloseTo(-(Math.log(0.5) + Math.log(0.75)) / 2, 12);
    // p = 0 where t = 1: ln clamped at -100 -> (100 + 0)/2
    expect(await value(binaryCrossEntropyLoss(), [0, 0], [1, 0], [1, 2])).toBeCloseTo(50, 10);
  });

  it('FocalLoss (a sum)', async () => {
    // p = .5: CE = ln 2, pt = .5, (1 - pt)^2 = .25; α_t = .25 (t = 1) and .75 (t = 0): ln2·.25·(.25 + .75)
    expect(await value(focalLoss(), [0.5, 0.5], [1, 0], [1, 2])).toBeCloseTo(Math.LN2 * 0.25, 12);
    // γ = 0, α = .5: .5·CE summed -> .5·(ln 2 + ln(1/.8))
    expect(await value(focalLoss({ gamma: 0, alpha: 0.5 }), [0.5, 0.2], [1, 0], [1, 2])).toBeCloseTo(0.5 * (Math.LN2 - Math.log(0.8)), 12);
    // p = 1 exactly is clamped to 1 - eps: CE = -ln(1 - 1e-7) for t = 1
    const ce = -Math.log(1 - 1e-7);
    expect(await value(focalLoss(), [1], [1], [1, 1])).toBeCloseTo(0.25 * ce * (1 - Math.exp(-ce)) ** 2, 20);
  });

  it('FocalDiceLoss', async () => {
    // p = .5, t = [1, 0]: focal = ln2/4; Dice = (2·.5 + 1)/(1 + 1 + 1) = 2/3 -> ln(ln2/4) - ln(2/3)
    expect(await value(focalDiceLoss(), [0.5, 0.5], [1, 0], [1, 2])).toBeCloseTo(Math.log(Math.LN2 / 4) - Math.log(2 / 3), 12);
    expect(await value(focalDiceLoss({ beta: 2 }), [0.5, 0.5], [1, 0], [1, 2])).toBeCloseTo(Math.log(Math.LN2 / 4) - 2 * Math.log(2 / 3), 12);
  });

  it('GeneralizedDiceLoss with and without background', async () => {
    // no background: w = 1/Σt² = 1/4; I = 1.5/4; U = (2 + 2)/4 -> -2·.375/1
    expect(await value(generalizedDiceLoss({ include_background: false }), P, T, S1)).toBeCloseTo(-0.75, 12);
    // background channel: t_bg = [0,1,0,1] (Σ = 2, w = 1/4), p_bg = [0,1,0,0] (only exact zeros)
    // I = (1.5 + 1)/4, U = (4 + 3)/4 -> -2·2.5/7
    expect(await value(generalizedDiceLoss(), P, T, S1)).toBeCloseTo(-5 / 7, 12);
    // empty masks, no background: w = 1/ε, I = U = 0 -> -0/ε = 0
    expect(await value(generalizedDiceLoss({ include_background: false }), [0, 0, 0, 0], [0, 0, 0, 0], S1)).toBeCloseTo(0, 15);
    // empty masks with background: every voxel is background in p and t: w = 1/16, I = 4/16, U = 8/16 -> -1
    expect(await value(generalizedDiceLoss(), [0, 0, 0, 0], [0, 0, 0, 0], S1)).toBeCloseTo(-1, 12);
  });

  it('GeneralizedDiceLoss: weights per (sample, channel), background per sample (batch 2, C = 2)', async () => {
    // sample 0: c0 p [1,0] t [1,0]; c1 p [0,.5] t [0,1]; sample 1: c0 p [0,0] t [0,0]; c1 p [.5,.5] t [1,1]
    const p = [1, 0, 0, 0.5, 0, 0, 0.5, 0.5];
    const t = [1, 0, 0, 1, 0, 0, 1, 1];
    const shape = [2, 2, 2];
    // no background: (n0,c0) w 1, pt 1, p+t 2; (n0,c1) w 1, pt .5, p+t 1.5; (n1,c0) w 1/ε, pt 0, p+t 0;
    // (n1,c1) w 1/4, pt 1, p+t 3 -> I = 1 + .5 + .25, U = 2 + 1.5 + .75
    expect(await value(generalizedDiceLoss({ include_background: false }), p, t, [2, 2, 1, 2])).toBeCloseTo(-2 * 1.75 / 4.25, 12);
    expect(await value(generalizedDiceLoss({ include_background: false }), p, t, shape)).toBeCloseTo(-2 * 1.75 / 4.25, 12);
    // background: sample 0 t sums [1,1] -> t_bg [0,0], p sums [1,.5] -> p_bg [0,0]: w = 1/ε, terms 0;
    // sample 1 t_bg [0,0], p_bg [0,0]: same. Values unchanged.
    expect(await value(generalizedDiceLoss(), p, t, shape)).toBeCloseTo(-2 * 1.75 / 4.25, 12);
  });

  it('GeneralizedDiceLoss: the background channel is per sample (batch 2, C = 1)', async () => {
    // p = [[0, .5], [.5, 0]], t = [[0, 1], [1, 0]]: p_bg = t_bg = [[1, 0], [0, 1]]
    // each (sample, channel) has Σt = 1 (w = 1): class pt .5, p+t 1.5; background pt 1, p+t 2
    // I = 2·.5 + 2·1 = 3, U = 2·1.5 + 2·2 = 7
    expect(await value(generalizedDiceLoss(), [0, 0.5, 0.5, 0], [0, 1, 1, 0], [2, 1, 2])).toBeCloseTo(-6 / 7, 12);
    expect(await value(generalizedDiceLoss({ include_background: false }), [0, 0.5, 0.5, 0], [0, 1, 1, 0], [2, 1, 2])).toBeCloseTo(-2 / 3, 12);
  });

  it('TverskyLoss and FocalTverskyLoss', async () => {
    // TP = 1.5, FN = Σt(1-p) = .5, FP = Σ(1-t)p = .5: TI = 2.5/(1.5 + .7·.5 + .3·.5 + 1) = 2.5/3
    expect(await value(tverskyLoss(), P, T, S1)).toBeCloseTo(-2.5 / 3, 12);
    // α = β = .5 with s = .5 is the Dice loss with s = 1: (TP + .5)/(TP + (FP + FN)/2 + .5) = (2TP + 1)/(2TP + FP + FN + 1)
    expect(await value(tverskyLoss({ alpha: 0.5, beta: 0.5, smooth: 0.5 }), P, T, S1)).toBeCloseTo(-0.8, 12);
    expect(await value(focalTverskyLoss(), P, T, S1)).toBeCloseTo(Math.pow(1 - 2.5 / 3, 1 / 1.33), 12);
    // C = 2 (1x2x1x2): c0 p [1,0] t [1,0] -> TI 1; c1 p [.5,.5] t [0,1]: TP .5, FN .5, FP .5 -> 1.5/(.5+.35+.15+1) = .75
    const p = [1, 0, 0.5, 0.5];
    const t = [1, 0, 0, 1];
    expect(await value(tverskyLoss(), p, t, [1, 2, 1, 2])).toBeCloseTo(-(1 + 0.75) / 2, 12);
    expect(await value(focalTverskyLoss({ gamma: 1 }), p, t, [1, 2, 1, 2])).toBeCloseTo((0 + 0.25) / 2, 12);
    // empty masks: TI = s/s = 1
    expect(await value(tverskyLoss(), [0, 0], [0, 0], [1, 1, 2])).toBe(-1);
  });

  it('L2loss', async () => {
    // (0 + 0 + .25 + .25)/2
    expect(await value(l2Loss(), P, T, S1)).toBeCloseTo(0.25, 12);
  });

  it('AdapWingLoss (mask = 1: a plain sum)', async () => {
    // p = t: d = 0 -> ω ln(1 + 0) = 0
    expect(await value(adapWingLoss(), [0.3, 1, 0], [0.3, 1, 0], [1, 1, 3])).toBe(0);
    // t = 0, p = .25 (d < θ): 14 ln(1 + .25^2.1)
    const nonLinear = 14 * Math.log(1 + Math.pow(0.25, 2.1));
    expect(await value(adapWingLoss(), [0.25], [0], [1, 1])).toBeCloseTo(nonLinear, 12);
    // t = 1, p = 0 (d = 1 >= θ): e = 1.1, r = .5; A = 14/(1 + .5^1.1)·1.1·.5^.1; C = .5A - 14 ln(1 + .5^1.1); L = A - C
    const r = Math.pow(0.5, 1.1);
    const A = (14 / (1 + r)) * 1.1 * Math.pow(0.5, 0.1);
    const linear = A - (0.5 * A - 14 * Math.log(1 + r));
    expect(await value(adapWingLoss(), [0], [1], [1, 1])).toBeCloseTo(linear, 12);
    expect(await value(adapWingLoss(), [0.25, 0], [0, 1], [1, 1, 2])).toBeCloseTo(nonLinear + linear, 12);
    // kwargs reach the formula: ε = 2, ω = 1: ln(1 + (.25/2)^2.1)
    expect(await value(adapWingLoss({ epsilon: 2, omega: 1 }), [0.25], [0], [1, 1])).toBeCloseTo(Math.log(1 + Math.pow(0.125, 2.1)), 12);
  });

  it('LossCombination sums its members', async () => {
    // Dice -.8 + L2 .25
    expect(await value(createLoss({ name: 'LossCombination', losses_list: ['DiceLoss', 'L2loss'] }), P, T, S1)).toBeCloseTo(-0.55, 12);
    // Dice with smooth 0: -.75, + L2 .25
    expect(await value(lossCombination({ losses_list: ['DiceLoss', 'L2loss'], params_list: [{ smooth: 0 }, null] }), P, T, S1)).toBeCloseTo(-0.5, 12);
    // the template of config_vertebral_labeling.json: AdapWing + L2 + Dice
    const p = [0.25, 0.75];
    const t = [0, 1];
    const expected = refAdapWing(p, t) + refL2(p, t) + refDice(p, t);
    expect(await value(createLoss({ name: 'LossCombination', losses_list: ['AdapWingLoss', 'L2loss', 'DiceLoss'], params_list: null }), p, t, [1, 1, 2]))
      .toBeCloseTo(expected, 12);
  });
});

describe('agreement with the float64 loop references on 2x3x2x3 soft inputs', () => {
  const shape = [2, 3, 2, 3];
  const n = 36;
  const p = Array.from({ length: n }, (_, i) => (Math.sin(i * 12.9898) * 0.5 + 0.5) * 0.98 + 0.01);
  const t = Array.from({ length: n }, (_, i) => (i % 5 === 0 || i % 7 === 0 ? 1 : i % 11 === 0 ? 0.4 : 0));
  const a = { data: p, shape };
  const b = { data: t, shape };
  const cases: Array<[string, Loss, number]> = [
    ['DiceLoss', diceLoss({ smooth: 0.5 }), refDice(p, t, 0.5)],
    ['MultiClassDiceLoss', multiClassDiceLoss({ classes_of_interest: [0, 2] }), refMultiClassDice(a, b, [0, 2])],
    ['BinaryCrossEntropyLoss', binaryCrossEntropyLoss(), refBce(p, t)],
    ['FocalLoss', focalLoss({ gamma: 1.5, alpha: 0.4 }), refFocal(p, t, 1.5, 0.4)],
    ['FocalDiceLoss', focalDiceLoss({ beta: 0.7, gamma: 2.5, alpha: 0.3 }), refFocalDice(p, t, 0.7, 2.5, 0.3)],
    ['GeneralizedDiceLoss bg', generalizedDiceLoss(), refGeneralizedDice(a, b)],
    ['GeneralizedDiceLoss no bg', generalizedDiceLoss({ include_background: false, epsilon: 1e-3 }), refGeneralizedDice(a, b, 1e-3, false)],
    ['TverskyLoss', tverskyLoss({ alpha: 0.2, beta: 0.8, smooth: 0.1 }), refTversky(a, b, 0.2, 0.8, 0.1)],
    ['FocalTverskyLoss', focalTverskyLoss({ gamma: 2 }), refFocalTversky(a, b, 0.7, 0.3, 2)],
    ['L2loss', l2Loss(), refL2(p, t)],
    ['AdapWingLoss', adapWingLoss({ theta: 0.3, alpha: 2.2, omega: 10, epsilon: 0.8 }), refAdapWing(p, t, 0.3, 2.2, 10, 0.8)],
  ];
  for (const [name, loss, expected] of cases) {
    it(name, async () => {
      expect(await value(loss, p, t, shape)).toBeCloseTo(expected, 11);
    });
  }
});

describe('errors', () => {
  it('unknown loss name lists the names', () => {
    expect(() => createLoss({ name: 'Dice' })).toThrow(/unknown loss name.*"Dice".*DiceLoss, MultiClassDiceLoss/);
  });
  it('unknown kwarg names the loss, key, value and the allowed keys', () => {
    expect(() => createLoss({ name: 'DiceLoss', smoth: 1 })).toThrow('DiceLoss: unknown keyword argument "smoth" (value 1); allowed: smooth');
    expect(() => createLoss({ name: 'L2loss', smooth: 1 })).toThrow('L2loss takes no keyword arguments');
  });
  it('invalid values name the loss, key, value and what is allowed', () => {
    expect(() => createLoss({ name: 'FocalLoss', alpha: 1.5 })).toThrow('FocalLoss: keyword argument "alpha" = 1.5 is invalid; it must be a finite number >= 0 and <= 1');
    expect(() => createLoss({ name: 'DiceLoss', smooth: '1' })).toThrow('"smooth" = "1" is invalid');
    expect(() => createLoss({ name: 'GeneralizedDiceLoss', include_background: 1 })).toThrow('"include_background" = 1 is invalid; it must be true or false');
    expect(() => createLoss({ name: 'MultiClassDiceLoss', classes_of_interest: [] })).toThrow('classes_of_interest');
    expect(() => createLoss({ name: 'AdapWingLoss', epsilon: 0 })).toThrow('"epsilon" = 0 is invalid; it must be a finite number > 0');
  });
  it('LossCombination: names, params_list length and member kwargs are checked when built', () => {
    expect(() => createLoss({ name: 'LossCombination' })).toThrow('LossCombination: keyword argument "losses_list" is required');
    expect(() => createLoss({ name: 'LossCombination', losses_list: ['DiceLoss', 'Nope'] })).toThrow('"losses_list" = ["DiceLoss","Nope"] is invalid');
    expect(() => createLoss({ name: 'LossCombination', losses_list: ['DiceLoss'], params_list: [null, null] }))
      .toThrow('params_list has 2 entries but losses_list has 1');
    expect(() => createLoss({ name: 'LossCombination', losses_list: ['L2loss', 'DiceLoss'], params_list: [null, { gamma: 2 }] }))
      .toThrow('LossCombination: losses_list[1] DiceLoss with params_list[1] = {"gamma":2}: DiceLoss: unknown keyword argument "gamma"');
  });
  it('shape mismatch names both shapes', () => {
    for (const name of LOSS_NAMES) {
      const loss = createLoss(name === 'LossCombination' ? { name, losses_list: ['DiceLoss'] } : { name });
      expect(() => loss(f64([0, 0, 0, 0], [1, 1, 2, 2]), f64([0, 0, 0, 0], [1, 1, 4]))).toThrow('prediction shape [1, 1, 2, 2] and target shape [1, 1, 4] differ');
    }
  });
  it('MultiClassDiceLoss: a class index beyond the channels', () => {
    expect(() => multiClassDiceLoss({ classes_of_interest: [0, 2] })(f64([0, 0], [1, 2, 1]), f64([0, 0], [1, 2, 1])))
      .toThrow('classes_of_interest contains 2 but the prediction has 2 channels');
  });
});

describe('kwargs agree with the config schema (src/config/schema/losses.ts)', () => {
  it('same names, same keys, same defaults', () => {
    expect([...LOSS_NAMES]).toEqual([...CONFIG_LOSS_NAMES]);
    for (const name of LOSS_NAMES) {
      const shape = (LOSS_SCHEMAS[name] as unknown as { shape: Record<string, Parameters<typeof metaOf>[0]> }).shape;
      const schemaKeys = Object.keys(shape).filter((k) => k !== 'name').sort();
      const ours = LOSS_KWARGS[name] as Record<string, { default?: unknown }>;
      expect(Object.keys(ours).sort(), name).toEqual(schemaKeys);
      for (const key of schemaKeys) {
        const codeDefault = metaOf(shape[key])?.codeDefault;
        if ('default' in ours[key]) expect(ours[key].default, `${name}.${key}`).toEqual(codeDefault);
      }
    }
  });
});

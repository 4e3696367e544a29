/**
 * Adam and SGD against plain-JS references of the torch.optim formulas, on CPU and WebGPU:
 * per-parameter step counts (a parameter without a gradient does not advance), frozen parameters
 * untouched, lr changes between steps, and a state-dict round trip that continues identically.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import { memory, mul, scope, setBackend, sum, add, tensor, type BackendName, type Tensor } from '../engine';
import { Adam, SGD } from './optim';

const INIT = {
  a: [0.5, -1.0, 2.0, 0.25],
  frozen: [1.0, 2.0],
  late: [-0.75, 1.5, 3.0],
};
const COEF = { a: [1, 2, -0.5, 3], late: [0.5, -1, 2] };

function makeParams(backend: BackendName): Record<'a' | 'frozen' | 'late', Tensor> {
  return {
    a: tensor(INIT.a, [2, 2], { backend, requiresGrad: true }).keep(),
    frozen: tensor(INIT.frozen, [2], { backend }).keep(),
    late: tensor(INIT.late, [3], { backend, requiresGrad: true }).keep(),
  };
}

/** loss = sum(c_a * a^2) + sum(frozen) [+ sum(c_late * late^2) from step 3]: grad a = 2 c_a a. */
function backwardAt(step: number, p: Record<'a' | 'frozen' | 'late', Tensor>, backend: BackendName): void {
  scope(() => {
    const ca = tensor(COEF.a, [2, 2], { backend });
    let loss = add(sum(mul(ca, mul(p.a, p.a))), sum(p.frozen));
    if (step >= 3) loss = add(loss, sum(mul(tensor(COEF.late, [3], { backend }), mul(p.late, p.late))));
    loss.backward();
  });
}

/** Plain-JS torch.optim.Adam on one parameter (float64). */
class RefAdam {
  m: number[]; v: number[]; t = 0;
  constructor(public p: number[], private b1 = 0.9, private b2 = 0.999, private eps = 1e-8, private wd = 0) {
    this.m = p.map(() => 0);
    this.v = p.map(() => 0);
  }
  step(grad: number[], lr: number): void {
    this.t += 1;
    this.p = this.p.map((pi, i) => {
      const g = grad[i] + this.wd * pi;
      this.m[i] = this.b1 * this.m[i] + (1 - this.b1) * g;
      this.v[i] = this.b2 * this.v[i] + (1 - this.b2) * g * g;
      const mHat = this.m[i] / (1 - this.b1 ** this.t);
      const vHat = this.v[i] / (1 - this.b2 ** this.t);
      return pi - (lr * mHat) / (Math.sqrt(vHat) + this.eps);
    });
  }
}

const gradOf = (p: number[], c: number[]) => p.map((x, i) => 2 * c[i] * x);
const LRS = [0.1, 0.1, 0.05, 0.05, 0.02];

function expectClose(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs(actual[i] - e)).toBeLessThan(tol));
}

async function adamMatchesReference(backend: BackendName, weightDecay: number): Promise<void> {
  const before = memory(backend);
  const p = makeParams(backend);
  const opt = new Adam(Object.values(p), { lr: LRS[0], betas: [0.8, 0.95], eps: 1e-6, weightDecay });
  const refA = new RefAdam([...INIT.a], 0.8, 0.95, 1e-6, weightDecay);
  const refLate = new RefAdam([...INIT.late], 0.8, 0.95, 1e-6, weightDecay);
  for (let step = 1; step <= LRS.length; step++) {
    opt.lr = LRS[step - 1];
    backwardAt(step, p, backend);
    opt.step();
    opt.zeroGrad();
    refA.step(gradOf(refA.p, COEF.a), LRS[step - 1]);
    // 'late' has no gradient on steps 1-2: PyTorch skips it, and its own step count starts at 1 on step 3.
    if (step >= 3) refLate.step(gradOf(refLate.p, COEF.late), LRS[step - 1]);
  }
  expectClose(await p.a.data(), refA.p);
  expectClose(await p.late.data(), refLate.p);
  expect(Array.from(await p.frozen.data())).toEqual(INIT.frozen);
  const state = await opt.stateDict();
  expect(state.step).toEqual([5, 0, 3]);
  expect(state.m[1]).toBeNull();
  expectClose(state.m[0]!, refA.m);
  expectClose(state.v[2]!, refLate.v, 1e-4);
  opt.dispose();
  for (const t of Object.values(p)) t.dispose();
  expect(memory(backend).liveTensors).toBe(before.liveTensors);
}

async function roundTripContinuesIdentically(backend: BackendName, make: (params: Tensor[]) => Adam | SGD): Promise<void> {
  const before = memory(backend);
  const p1 = makeParams(backend);
  const opt1 = make(Object.values(p1));
  for (let step = 1; step <= 3; step++) {
    backwardAt(step, p1, backend);
    opt1.step();
    opt1.zeroGrad();
  }
  opt1.lr = 0.03;
  // "Resume": fresh parameters with the saved values, a fresh optimizer loaded from the state dict.
  const saved = await opt1.stateDict();
  const p2 = makeParams(backend);
  for (const k of Object.keys(p1) as Array<keyof typeof p1>) {
    p2[k].dispose();
    p2[k] = tensor(await p1[k].data(), [...p1[k].shape], { backend, requiresGrad: p1[k].requiresGrad }).keep();
  }
  const opt2 = make(Object.values(p2));
  // @ts-expect-error -- each optimizer loads its own state kind
  opt2.loadStateDict(saved);
  expect(opt2.lr).toBe(0.03);
  for (let step = 4; step <= 6; step++) {
    for (const [p, opt] of [[p1, opt1], [p2, opt2]] as const) {
      backwardAt(step, p, backend);
      opt.step();
      opt.zeroGrad();
    }
  }
  for (const k of Object.keys(p1) as Array<keyof typeof p1>) {
    expect(Array.from(await p2[k].data())).toEqual(Array.from(await p1[k].data()));
  }
  // The run did move the parameters (the comparison above is not vacuous).
  expect(Array.from(await p1.a.data())).not.toEqual(INIT.a);
  for (const o of [opt1, opt2]) o.dispose();
  for (const t of [...Object.values(p1), ...Object.values(p2)]) t.dispose();
  expect(memory(backend).liveTensors).toBe(before.liveTensors);
}

/** Plain-JS torch.optim.SGD with momentum/dampening/nesterov. */
function refSgd(p0: number[], c: number[], steps: number, lr: number, mu: number, damp: number, nesterov: boolean): number[] {
  let p = [...p0];
  let buf: number[] | null = null;
  for (let s = 0; s < steps; s++) {
    const g = gradOf(p, c);
    buf = buf ? buf.map((b, i) => mu * b + (1 - damp) * g[i]) : [...g];
    const d = nesterov ? g.map((gi, i) => gi + mu * buf![i]) : buf;
    p = p.map((x, i) => x - lr * d[i]);
  }
  return p;
}

describe('optimizers', async () => {
  const acquired = await testDevice();
  const backends: BackendName[] = acquired ? ['cpu', 'webgpu'] : ['cpu'];
  if (acquired) {
    setBackend('webgpu', { device: acquired.device });
    setBackend('cpu');
  }

  for (const backend of backends) {
    it(`${backend}: Adam matches the PyTorch formula (per-parameter steps, frozen parameter skipped, lr changes)`, async () => {
      await adamMatchesReference(backend, 0);
    });

    it(`${backend}: Adam weight_decay adds wd * p to the gradient`, async () => {
      await adamMatchesReference(backend, 0.1);
    });

    it(`${backend}: Adam state dict round trip continues identically`, async () => {
      await roundTripContinuesIdentically(backend, (params) => new Adam(params, { lr: 0.1 }));
    });

    it(`${backend}: SGD with momentum / nesterov matches the PyTorch formula`, async () => {
      for (const [mu, damp, nesterov] of [[0.9, 0.1, false], [0.9, 0, true], [0, 0, false]] as const) {
        const p = makeParams(backend);
        const opt = new SGD(Object.values(p), { lr: 0.05, momentum: mu, dampening: damp, nesterov });
        for (let step = 1; step <= 4; step++) {
          backwardAt(1, p, backend); // only 'a' gets a gradient
          opt.step();
          opt.zeroGrad();
        }
        expectClose(await p.a.data(), refSgd(INIT.a, COEF.a, 4, 0.05, mu, damp, nesterov));
        expect(Array.from(await p.late.data())).toEqual(INIT.late);
        opt.dispose();
        for (const t of Object.values(p)) t.dispose();
      }
    });

    it(`${backend}: SGD state dict round trip continues identically`, async () => {
      await roundTripContinuesIdentically(backend, (params) => new SGD(params, { lr: 0.05, momentum: 0.9 }));
    });
  }

  it('rejects a state dict from another model, naming the parameter and sizes', async () => {
    const p = makeParams('cpu');
    const opt = new Adam(Object.values(p), { lr: 0.1 });
    backwardAt(3, p, 'cpu');
    opt.step();
    const state = await opt.stateDict();
    const other = new Adam([p.late, p.a, p.frozen], { lr: 0.1 });
    expect(() => other.loadStateDict(state)).toThrow(/m\[0\] has 4 values but parameter 0 has 3/);
    expect(() => other.loadStateDict({ ...state, step: [1, 1] })).toThrow(/'step' has 2 entries but the optimizer has 3 parameters/);
    expect(() => new Adam([p.a, p.a], { lr: 0.1 })).toThrow(/more than once/);
    expect(() => new Adam([p.a], { lr: 0.1, betas: [1, 0.9] })).toThrow(/betas\[0\] must be in \[0, 1\), got 1/);
    for (const o of [opt, other]) o.dispose();
    for (const t of Object.values(p)) t.dispose();
  });
});

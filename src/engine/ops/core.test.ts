import { describe, expect, it } from 'vitest';
import {
  tensor, scope, memory, noGrad, add, sub, mul, div, pow, exp, log, sqrt, abs, clamp, relu, leakyRelu, sigmoid, tanh,
  maximum, minimum, where, gt, sum, mean, max, min, variance, argmax, reshape, permute, slice, pad, flip, concat,
  broadcastTo, matmul, softmax, logSoftmax, square, setBackend, zeros, ones, astype, expand, stack, split, squeeze, unsqueeze,
  logSumExp, std, transpose, flatten, argmin,
} from '../index';
import { gradcheck, checkInput } from '../gradcheck';

setBackend('cpu');

describe('tensor basics (cpu)', () => {
  it('creates from nested arrays and reads back', async () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect([...(await t.data())]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await t.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2, 2\]/);
    t.dispose();
  });

  it('broadcasts like NumPy', async () => {
    const a = tensor([[1], [2]]);
    const b = tensor([10, 20, 30]);
    expect(await add(a, b).array()).toEqual([[11, 21, 31], [12, 22, 32]]);
    expect(() => add(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/cannot be broadcast/);
  });

  it('scope frees everything not returned, nested', () => {
    const before = memory('cpu');
    const kept = scope(() => {
      const a = ones([4, 4]);
      const b = scope(() => {
        const c = add(a, 1);
        return mul(c, 2);
      });
      return sum(b);
    });
    const after = memory('cpu');
    expect(after.liveTensors).toBe(before.liveTensors + 1);
    expect(after.liveBytes).toBe(before.liveBytes + 4);
    kept.dispose();
    expect(memory('cpu').liveTensors).toBe(before.liveTensors);
    expect(memory('cpu').liveBytes).toBe(before.liveBytes);
  });

  it('scope rejects async functions', () => {
    expect(() => scope(async () => 1)).toThrow(/synchronous/);
  });

  it('keeps graph intermediates alive until backward, then frees them', () => {
    const before = memory('cpu');
    const w = tensor([1, 2, 3], undefined, { requiresGrad: true }).keep();
    const loss = scope(() => sum(mul(sigmoid(w), w)));
    // sigmoid's output and w are retained by the graph although the scope disposed the intermediates.
    expect(memory('cpu').liveTensors).toBeGreaterThan(before.liveTensors + 2);
    loss.backward();
    loss.dispose();
    expect(w.grad).not.toBeNull();
    expect(memory('cpu').liveTensors).toBe(before.liveTensors + 2); // w and w.grad
    w.dispose();
    expect(memory('cpu').liveTensors).toBe(before.liveTensors);
    expect(memory('cpu').liveBytes).toBe(before.liveBytes);
  });

  it('a graph disposed without backward releases its retained tensors', () => {
    const before = memory('cpu');
    const w = tensor([1, 2, 3], undefined, { requiresGrad: true });
    const y = scope(() => sum(exp(mul(w, w))));
    w.dispose();
    y.dispose();
    expect(memory('cpu')).toMatchObject({ liveTensors: before.liveTensors, liveBytes: before.liveBytes });
  });

  it('accumulates gradients and seeds scalars with one', async () => {
    const w = tensor([1, 2], undefined, { requiresGrad: true });
    scope(() => sum(mul(w, w)).backward());
    scope(() => sum(mul(w, w)).backward());
    expect([...(await w.grad!.data())]).toEqual([4, 8]);
    expect(() => mul(w, 2).backward()).toThrow(/not a scalar/);
    expect(() => noGrad(() => sum(w)).backward()).toThrow(/does not require grad/);
  });

  it('running backward twice needs retainGraph', () => {
    const w = tensor([1, 2], undefined, { requiresGrad: true });
    const l = sum(exp(w));
    l.backward();
    expect(() => l.backward()).toThrow(/retainGraph/);
  });

  it('hand-computed values: softmax of [1, 2, 3]', async () => {
    const s = await softmax(tensor([1, 2, 3], undefined, { dtype: 'float64' })).data();
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const z = e[0] + e[1] + e[2];
    expect([...s].map((v) => +v.toFixed(12))).toEqual(e.map((v) => +(v / z).toFixed(12)));
    expect([...s].map((v) => +v.toFixed(6))).toEqual([0.090031, 0.244728, 0.665241]);
  });

  it('reductions with keepdim and argmax', async () => {
    const x = tensor([[1, 5, 3], [4, 2, 6]]);
    expect(await sum(x, 1).array()).toEqual([9, 12]);
    expect(await sum(x, 0, true).array()).toEqual([[5, 7, 9]]);
    expect(await mean(x).item()).toBe(3.5);
    expect(await max(x, 1).array()).toEqual([5, 6]);
    expect(await min(x, 0).array()).toEqual([1, 2, 3]);
    expect(await argmax(x, 1).array()).toEqual([1, 2]);
    expect(await variance(x, 1).array()).toEqual([4, 4]);
    expect(await variance(x, 1, { unbiased: false }).array()).toEqual([8 / 3, 8 / 3].map(Math.fround));
  });

  it('shape ops', async () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(await permute(x, [1, 0]).array()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(await slice(x, [null, [0, 3, 2]]).array()).toEqual([[1, 3], [4, 6]]);
    expect(await slice(x, [[-1]]).array()).toEqual([[4, 5, 6]]);
    expect(await pad(x, [[1, 0], [0, 0]], -1).array()).toEqual([[-1, -1, -1], [1, 2, 3], [4, 5, 6]]);
    expect(await pad(x, [[1, 0]], -1).array()).toEqual([[-1, 1, 2, 3], [-1, 4, 5, 6]]);
    expect(await pad(x, [[0, -1]]).array()).toEqual([[1, 2], [4, 5]]);
    expect(await flip(x, 1).array()).toEqual([[3, 2, 1], [6, 5, 4]]);
    expect(await concat([x, x], 1).array()).toEqual([[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]]);
    expect(await broadcastTo(tensor([1, 2]), [2, 2]).array()).toEqual([[1, 2], [1, 2]]);
    expect(await matmul(x, permute(x, [1, 0])).array()).toEqual([[14, 32], [32, 77]]);
    expect(() => reshape(x, [4])).toThrow(/cannot view as \[4\]/);
  });

  it('astype converts float32 <-> float64 with gradient', async () => {
    const x = tensor([1.5, 2.25], undefined, { requiresGrad: true });
    const y = astype(x, 'float64');
    expect(y.dtype).toBe('float64');
    expect(await y.data()).toBeInstanceOf(Float64Array);
    sum(mul(y, y)).backward();
    expect(x.grad!.dtype).toBe('float32');
    expect([...(await x.grad!.data())]).toEqual([3, 4.5]);
    expect(() => add(x, y)).toThrow(/different dtypes \(float32 and float64\); cast with astype\(\)/);
  });

  it('more shape ops and reductions', async () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect((await expand(tensor([[1], [2]]), [-1, 3]).array())).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(await stack([x, x], 1).array()).toEqual([[[1, 2, 3], [1, 2, 3]], [[4, 5, 6], [4, 5, 6]]]);
    const [p, q] = split(x, [1, 2], 1);
    expect(await p.array()).toEqual([[1], [4]]);
    expect(await q.array()).toEqual([[2, 3], [5, 6]]);
    expect(() => split(x, [1, 1], 1)).toThrow(/do not partition axis 1 of length 3/);
    expect(squeeze(unsqueeze(x, 0)).shape).toEqual([2, 3]);
    expect(() => squeeze(x, 0)).toThrow(/axis 0 of \[2, 3\] has size 2/);
    expect(await transpose(x).array()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(flatten(tensor([[[1, 2]], [[3, 4]]]), 1).shape).toEqual([2, 2]);
    expect(await argmin(x, 0).array()).toEqual([0, 0, 0]);
    expect(await argmax(x).item()).toBe(5);
    const lse = await logSumExp(tensor([1, 2, 3], undefined, { dtype: 'float64' }), 0).item();
    expect(lse).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), 12);
    expect(await std(tensor([2, 4, 4, 4, 5, 5, 7, 9]), 0, { unbiased: false }).item()).toBeCloseTo(2, 6);
  });

  it('comparisons and where', async () => {
    const x = tensor([1, 2, 3]);
    expect(await gt(x, 2).array()).toEqual([0, 0, 1]);
    expect(await where(gt(x, 1), x, zeros([1])).array()).toEqual([0, 2, 3]);
  });
});

describe('gradient checks (cpu, float64, central differences)', () => {
  const A = () => checkInput([2, 3], 1);
  const B = () => checkInput([2, 3], 2);
  const P = () => checkInput([2, 3], 3, 0.5, 2); // positive
  const cases: Array<[string, (...x: any[]) => any, () => any[]]> = [
    ['add broadcast', (a, b) => add(a, b), () => [A(), checkInput([3], 4)]],
    ['sub', (a, b) => sub(a, b), () => [A(), B()]],
    ['mul broadcast', (a, b) => mul(a, b), () => [A(), checkInput([2, 1], 5)]],
    ['div', (a, b) => div(a, b), () => [A(), P()]],
    ['pow tensor', (a, b) => pow(a, b), () => [P(), B()]],
    ['pow scalar', (a) => pow(a, 3), () => [A()]],
    ['scalar ops', (a) => div(sub(2, mul(a, 3)), 4), () => [A()]],
    ['exp', (a) => exp(a), () => [A()]],
    ['log', (a) => log(a), () => [P()]],
    ['sqrt', (a) => sqrt(a), () => [P()]],
    ['abs', (a) => abs(a), () => [A()]],
    ['square', (a) => square(a), () => [A()]],
    ['clamp', (a) => clamp(a, -0.3, 0.4), () => [A()]],
    ['relu', (a) => relu(a), () => [A()]],
    ['leakyRelu', (a) => leakyRelu(a, 0.2), () => [A()]],
    ['sigmoid', (a) => sigmoid(a), () => [A()]],
    ['tanh', (a) => tanh(a), () => [A()]],
    ['maximum', (a, b) => maximum(a, b), () => [A(), B()]],
    ['minimum', (a, b) => minimum(a, b), () => [A(), B()]],
    ['where', (a, b) => where(gt(a, 0), a, b), () => [A(), B()]],
    ['sum axes', (a) => sum(a, 1), () => [checkInput([2, 3, 4], 6)]],
    ['sum keepdim', (a) => sum(a, [0, 2], true), () => [checkInput([2, 3, 4], 6)]],
    ['mean', (a) => mean(a, [1]), () => [checkInput([2, 3, 4], 7)]],
    ['max', (a) => max(a, 1), () => [checkInput([2, 3, 4], 8)]],
    ['min all', (a) => min(a), () => [checkInput([2, 3, 4], 9)]],
    ['var unbiased', (a) => variance(a, [1, 2]), () => [checkInput([2, 3, 4], 10)]],
    ['var biased', (a) => variance(a, 0, { unbiased: false }), () => [checkInput([3, 4], 11)]],
    ['softmax', (a) => softmax(a, 1), () => [checkInput([2, 4, 3], 12)]],
    ['logSoftmax', (a) => logSoftmax(a, -1), () => [checkInput([2, 5], 13)]],
    ['reshape', (a) => reshape(a, [3, 2]), () => [A()]],
    ['permute', (a) => permute(a, [2, 0, 1]), () => [checkInput([2, 3, 4], 14)]],
    ['slice', (a) => slice(a, [null, [1, 4, 2], [-2]]), () => [checkInput([2, 5, 3], 15)]],
    ['pad', (a) => pad(a, [[1, 2], [0, 1]], 0.5), () => [checkInput([2, 2, 3], 16)]],
    ['flip', (a) => flip(a, [0, 2]), () => [checkInput([2, 2, 3], 17)]],
    ['concat', (a, b) => concat([a, b, a], 1), () => [checkInput([2, 2], 18), checkInput([2, 3], 19)]],
    ['broadcastTo', (a) => broadcastTo(a, [2, 3, 4]), () => [checkInput([3, 1], 20)]],
    ['matmul', (a, b) => matmul(a, b), () => [checkInput([2, 3, 4], 21), checkInput([2, 4, 5], 22)]],
    ['matmul 2d rhs', (a, b) => matmul(a, b), () => [checkInput([2, 3, 4], 23), checkInput([4, 2], 24)]],
    ['matmul broadcast batch', (a, b) => matmul(a, b), () => [checkInput([3, 4], 25), checkInput([2, 4, 2], 26)]],
    ['expand', (a) => expand(a, [2, -1, 4]), () => [checkInput([3, 1], 27)]],
    ['stack', (a, b) => stack([a, b], 1), () => [A(), B()]],
    ['split', (a) => mul(split(a, [1, 2], 1)[1], split(a, [2, 1], 1)[0]), () => [A()]],
    ['logSumExp', (a) => logSumExp(a, 1), () => [checkInput([3, 4], 28)]],
    ['std', (a) => std(a, 1), () => [checkInput([3, 4], 29)]],
  ];
  for (const [name, fn, inputs] of cases) {
    it(name, () => {
      const xs = inputs();
      const r = gradcheck(fn, xs);
      expect(r.maxAbsError).toBeLessThan(1e-5);
      xs.forEach((x) => x.dispose());
    });
  }
});

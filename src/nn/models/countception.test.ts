/**
 * Countception (INVENTORY §b.5): parameter count summed layer by layer, names, init, block shapes,
 * the unsupported use_logits, and the full model's output size. The full forward (~30 GMAC whatever
 * the input, because conv1 pads by 40) takes minutes on the CPU backend, so it runs on WebGPU only.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import { manualSeed, noGrad, setBackend, tensor } from '../../engine/index';
import { leakyReluGain } from '../init';
import { ConvBlock, Countception, SimpleBlock } from './countception';

/** Conv2d (k x k, bias) + BatchNorm2d (weight, bias). */
const convBlock = (cin: number, cout: number, k: number) => cin * cout * k * k + cout + 2 * cout;
const simpleBlock = (cin: number, c1: number, c3: number) => convBlock(cin, c1, 3) + convBlock(cin, c3, 5) + convBlock(cin, c3, 9);

describe('Countception structure', () => {
  it('in 1, out 1: parameter count is the per-layer sum; ivadomed names', () => {
    setBackend('cpu');
    const m = new Countception({ inChannel: 1, outChannel: 1 });
    const expected =
      convBlock(1, 64, 3) + simpleBlock(64, 16, 16) + simpleBlock(48, 16, 32) + convBlock(80, 16, 14) + simpleBlock(16, 112, 48) +
      simpleBlock(208, 64, 32) + simpleBlock(128, 40, 40) + simpleBlock(120, 32, 96) + convBlock(224, 32, 20) + convBlock(32, 64, 10) +
      convBlock(64, 32, 9) + convBlock(32, 1, 20);
    expect(expected).toBe(6560043);
    expect(m.numParameters()).toBe(expected);
    const names = m.namedParameters().map(([n]) => n);
    expect(names.slice(0, 4)).toEqual(['conv1.conv1.weight', 'conv1.conv1.bias', 'conv1.batch_norm.weight', 'conv1.batch_norm.bias']);
    expect(names).toContain('simple4.conv3.conv1.weight');
    expect(names[names.length - 1]).toBe('conv6.batch_norm.bias');
    expect(m.namedBuffers().map(([n]) => n)).toContain('simple6.conv2.batch_norm.running_var');
    m.dispose();
  });

  it('conv weights are xavier_uniform with gain leaky_relu(0.01); BatchNorm weight 1, bias 0', async () => {
    setBackend('cpu');
    manualSeed(6);
    const m = new Countception({ inChannel: 1, outChannel: 1 });
    // conv6: [1, 32, 20, 20] -> fan_in 12800, fan_out 400.
    const bound = leakyReluGain(0.01) * Math.sqrt(6 / (12800 + 400));
    const w = Array.from(await m.conv6.conv1.weight.data()).map(Math.abs);
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.max(...w)).toBeGreaterThan(0.95 * bound);
    // PyTorch's default bound 1/sqrt(fan_in) would be 0.0088, xavier's is 0.0300.
    expect(bound).toBeCloseTo(0.03, 3);
    expect(Array.from(await m.simple3.conv2.batch_norm.weight!.data()).every((v) => v === 1)).toBe(true);
    expect(Array.from(await m.simple3.conv2.batch_norm.bias!.data()).every((v) => v === 0)).toBe(true);
    m.dispose();
  });

  it('use_logits is refused with a clear error', () => {
    expect(() => new Countception({ useLogits: true })).toThrow(/use_logits is not supported/);
  });

  it('ConvBlock = conv -> BatchNorm -> LeakyReLU(slope); SimpleBlock concatenates 3 branches, each 2 pixels smaller', async () => {
    setBackend('cpu');
    const block = new ConvBlock(1, 1, 1, 0, 0.3);
    block.loadStateDict(new Map([
      ['conv1.weight', { shape: [1, 1, 1, 1], data: Float32Array.from([2]) }], ['conv1.bias', { shape: [1], data: Float32Array.from([1]) }],
      ['batch_norm.weight', { shape: [1], data: Float32Array.from([1]) }], ['batch_norm.bias', { shape: [1], data: Float32Array.from([0]) }],
      ['batch_norm.running_mean', { shape: [1], data: Float32Array.from([0]) }], ['batch_norm.running_var', { shape: [1], data: Float32Array.from([1]) }],
    ]));
    // Training mode: conv gives [3, -1, 1, 5] (mean 2, biased var 5), normalised then LeakyReLU(0.3).
    const y = Array.from(await block.forward(tensor([1, -1, 0, 2], [1, 1, 2, 2])).data());
    const z = [1, -3, -1, 3].map((v) => v / Math.sqrt(5 + 1e-5));
    z.forEach((v, i) => expect(y[i]).toBeCloseTo(v > 0 ? v : 0.3 * v, 5));
    const simple = new SimpleBlock(3, 2, 1);
    const out = simple.forward(tensor(new Float32Array(2 * 3 * 12 * 11).map((_, i) => Math.sin(i)), [2, 3, 12, 11]));
    expect(out.shape).toEqual([2, 4, 10, 9]);
    block.dispose();
    simple.dispose();
  });
});

describe('Countception on WebGPU', async () => {
  const acquired = await testDevice();
  it.skipIf(!acquired)('output has the input H and W (20 x 24), one channel, finite values', async () => {
    setBackend('webgpu', { device: acquired!.device });
    manualSeed(1);
    const m = new Countception({ inChannel: 1, outChannel: 1 }).eval();
    const x = tensor(new Float32Array(20 * 24).map((_, i) => Math.sin(i * 0.1)), [1, 1, 20, 24]);
    const y = noGrad(() => m.forward(x));
    expect(y.shape).toEqual([1, 1, 20, 24]);
    const v = await y.data();
    expect(v.every(Number.isFinite)).toBe(true);
    expect(new Set(Array.from(v)).size).toBeGreaterThan(1);
    x.dispose();
    y.dispose();
    m.dispose();
    setBackend('cpu');
  });
});

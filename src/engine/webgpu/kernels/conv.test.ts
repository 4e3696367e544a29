import { describe, expect, it } from 'vitest';
import { testDevice } from '../../../../test/gpu';
import { GpuContext } from '../context';
import { convForwardCpu, convGradInputCpu, convGradWeightCpu, convOutputSize, type ConvGeometry } from '../../cpu/conv';
import { encodeConvForward, encodeConvGradInput, encodeConvGradWeight, gradWeightWorkgroupSize } from './conv';
import { setStorageBindingLimitForTesting, setTileVariantForTesting, supportsSubgroupTiles, type TileVariant } from './conv_common';
import { expectClose, nanBuffer, randomArray, readBack, upload } from './test_util';

const prod = (v: number[]) => v.reduce((a, b) => a * b, 1);

function geom(n: number, cIn: number, cOut: number, inSize: number[], kernel: number[], extra: Partial<ConvGeometry> = {}): ConvGeometry {
  const d = inSize.length;
  return { n, cIn, cOut, inSize, kernel, stride: Array(d).fill(1), padding: Array(d).fill(0), dilation: Array(d).fill(1), ...extra };
}

const cases: [string, ConvGeometry][] = [
  ['2D 3x3 pad 1, odd sizes, cOut not a multiple of the tile', geom(2, 3, 5, [7, 9], [3, 3], { padding: [1, 1] })],
  ['2D 1x1 kernel, batch 3', geom(3, 4, 9, [5, 6], [1, 1])],
  ['2D stride 2, dilation 2, padding 2, non-square kernel', geom(1, 2, 3, [11, 10], [3, 2], { stride: [2, 2], dilation: [2, 2], padding: [2, 1] })],
  ['2D kernel 20 (Countception) on a 23x21 input', geom(1, 2, 3, [23, 21], [20, 20], { padding: [1, 0] })],
  ['2D more positions than one workgroup (300 > 256 columns), 17 channels', geom(1, 17, 10, [15, 20], [3, 3], { padding: [1, 1] })],
  ['3D 3x3x3 pad 1, batch 2, odd depth', geom(2, 3, 4, [5, 6, 7], [3, 3, 3], { padding: [1, 1, 1] })],
  ['3D stride (2,1,2), dilation (1,2,1)', geom(1, 2, 3, [7, 8, 6], [2, 3, 2], { stride: [2, 1, 2], dilation: [1, 2, 1], padding: [0, 1, 1] })],
];

describe('gradWeightWorkgroupSize', () => {
  it('picks the workgroup width whose 4-column tiles pad cIn x taps the least', () => {
    expect(gradWeightWorkgroupSize(576)).toBe(48); // 64 ch x 3x3: 3 tiles of 192, no padding
    expect(gradWeightWorkgroupSize(432)).toBe(56); // 16 ch x 3^3: 2 tiles of 224 = 448
    expect(gradWeightWorkgroupSize(512)).toBe(64);
    expect(gradWeightWorkgroupSize(9)).toBe(32); // tiny: one tile, the smallest
  });
});

describe('WebGPU convolution kernels equal the CPU reference', async () => {
  const acquired = await testDevice();

  async function checkAll(ctx: GpuContext, g: ConvGeometry, seed: number, withBias = true) {
    const dev = ctx.device;
    const out = convOutputSize(g);
    const xLen = g.n * g.cIn * prod(g.inSize);
    const wLen = g.cOut * g.cIn * prod(g.kernel);
    const yLen = g.n * g.cOut * prod(out);
    const x = randomArray(xLen, seed), w = randomArray(wLen, seed + 1), dy = randomArray(yLen, seed + 2);
    const bias = withBias ? randomArray(g.cOut, seed + 3) : null;
    const gx = upload(dev, x), gw = upload(dev, w), gdy = upload(dev, dy);
    const gb = bias ? upload(dev, bias) : null;
    const gy = nanBuffer(dev, yLen), gdx = nanBuffer(dev, xLen), gdw = nanBuffer(dev, wLen);
    encodeConvForward(ctx, gx, gw, gb, gy, g);
    encodeConvGradInput(ctx, gdy, gw, gdx, g);
    encodeConvGradWeight(ctx, gx, gdy, gdw, g);
    const [y, dx, dw] = [await readBack(ctx, gy, yLen), await readBack(ctx, gdx, xLen), await readBack(ctx, gdw, wLen)];
    // Sums of up to a few thousand products of values in [-1, 1): f32 error stays far below 1e-3.
    expectClose(y, convForwardCpu(x, w, bias, g), 1e-3, 1e-4);
    expectClose(dx, convGradInputCpu(dy, w, g), 1e-3, 1e-4);
    expectClose(dw, convGradWeightCpu(x, dy, g), 2e-3, 1e-4);
    for (const b of [gx, gw, gdy, gb, gy, gdx, gdw]) b?.destroy();
  }

  const variants: TileVariant[] = acquired && supportsSubgroupTiles(acquired.device) ? ['plain', 'subgroups'] : ['plain'];
  for (const variant of variants) {
    cases.forEach(([name, g], i) => {
      it.skipIf(!acquired)(`${variant}: forward, grad-input, grad-weight: ${name}`, async () => {
        const ctx = new GpuContext(acquired!.device);
        setTileVariantForTesting(ctx, variant);
        await checkAll(ctx, g, 100 + 7 * i, i % 2 === 0);
        expect(acquired!.uncapturedErrors).toEqual([]);
      });
    });
  }

  it.skipIf(!acquired)('output buffers are overwritten, not accumulated', async () => {
    const ctx = new GpuContext(acquired!.device);
    const g = geom(1, 2, 2, [4, 4], [3, 3], { padding: [1, 1] });
    // Running twice into the same (NaN-filled, then written) buffers must give the same values.
    await checkAll(ctx, g, 9);
    await checkAll(ctx, g, 9);
  });

  // WebGPU raises requested limits below the spec default back to 128 MiB, so the kernels' own
  // binding limit is lowered for this context to force the chunked paths.
  it.skipIf(!acquired)('chunked dispatch (binding limit 64 KiB) equals the reference: batch chunks and channel chunks', async () => {
    const ctx = new GpuContext(acquired!.device);
    // 64 KiB keeps the tensors (and the CPU reference) small; the planning is the same at 128 MiB.
    setStorageBindingLimitForTesting(ctx, 1 << 16);
    // Usable: 16320 elements per binding. x = 3 x 5 ch x 990 = 14850 fits, y = 3 x 6 ch x 990 = 17820
    // does not: batch chunks of 2 + 1, with chunk starts that are not multiples of 64 elements.
    await checkAll(ctx, geom(3, 5, 6, [9, 10, 11], [3, 3, 3], { padding: [1, 1, 1] }), 11);
    // One item above the limit: x = 11 ch x 13x12x11 (1716 per ch, 18876 > 16320) -> input-channel
    // chunks (forward and grad-weight accumulate, grad-input writes channel ranges of dx); dy = 19 ch
    // x 7x12x11 (924 per ch, 17556) -> output-channel chunks (grad-input accumulates).
    await checkAll(ctx, geom(1, 11, 19, [13, 12, 11], [3, 3, 3], { padding: [1, 1, 1], stride: [2, 1, 1] }), 12);
    expect(acquired!.uncapturedErrors).toEqual([]);
  });

  it.skipIf(!acquired)('names the buffer that is too small', () => {
    const ctx = new GpuContext(acquired!.device);
    const tiny = nanBuffer(acquired!.device, 4);
    const g = geom(1, 1, 1, [3, 3], [2, 2]);
    expect(() => encodeConvForward(ctx, tiny, tiny, null, tiny, g)).toThrow(/conv forward: buffer 'x' holds 4 f32 elements, needs 9/);
    tiny.destroy();
  });
});

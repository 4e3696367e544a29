import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { encode as encodePng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import { jpegComplete, jpegHeader } from './jpeg';
import { decodeRaster } from './raster';
import { ivadomedGray, microscopyPixelSizeMm, readImage2D } from './convert';
import { firstDifference, hasIvadomedTestData, testDataPath } from '../testdata';

const SIDECAR = { PixelSize: [0.07, 0.07], PixelSizeUnits: 'um' };

function png(width: number, height: number, channels: number, depth: 8 | 16, values: number[]): Uint8Array {
  const data = depth === 16 ? Uint16Array.from(values) : Uint8Array.from(values);
  return encodePng({ width, height, channels, depth, data });
}

describe('ivadomed grayscale conversion', () => {
  it('gray 8-bit as is, 16-bit >> 8, gray+alpha keeps channel 0', () => {
    expect(Array.from(ivadomedGray(decodeRaster(png(2, 1, 1, 8, [7, 200]))))).toEqual([7, 200]);
    expect(Array.from(ivadomedGray(decodeRaster(png(2, 1, 1, 16, [0x1234, 0xff01]))))).toEqual([0x12, 0xff]);
    expect(Array.from(ivadomedGray(decodeRaster(png(2, 1, 2, 16, [0x1234, 9, 0x0fff, 9]))))).toEqual([0x12, 0x0f]);
    expect(Array.from(ivadomedGray(decodeRaster(png(2, 1, 2, 8, [50, 0, 60, 255]))))).toEqual([50, 60]);
  });

  it('RGB(A): 0.299R + 0.587G + 0.114B, then stretched to 0..255 (image_as_uint float branch)', () => {
    // luminances: 100 (gray 100), 0.299*200 = 59.8, 0.587*100+0.114*50 = 64.4 -> min 59.8, max 100
    const values = [100, 100, 100, 200, 0, 0, 0, 100, 50];
    const lum = [100, 59.8, 64.4];
    const expected = lum.map((v) => Math.floor((v - 59.8) / (100 - 59.8) * 255 + 0.499999999));
    expect(expected).toEqual([255, 0, 29]);
    expect(Array.from(ivadomedGray(decodeRaster(png(3, 1, 3, 8, values))))).toEqual(expected);
    // RGBA: alpha ignored
    const rgba = [100, 100, 100, 0, 200, 0, 0, 10, 0, 100, 50, 255];
    expect(Array.from(ivadomedGray(decodeRaster(png(3, 1, 4, 8, rgba))))).toEqual(expected);
    // already within [0, 1]: x * 255 + 0.499999999
    expect(Array.from(ivadomedGray(decodeRaster(png(2, 1, 3, 8, [1, 1, 1, 0, 1, 0]))))).toEqual([255, Math.floor(0.587 * 255 + 0.499999999)]);
    // constant image: truncated, not stretched (sum in numpy's order: 9*.299 + 9*.587 + 9*.114 = 9.000000000000002)
    expect(Math.trunc(9 * 0.299 + 9 * 0.587 + 9 * 0.114)).toBe(9);
    expect(Math.trunc(8 * 0.299 + 8 * 0.587 + 8 * 0.114)).toBe(7); // 7.999999999999999
    expect(Array.from(ivadomedGray(decodeRaster(png(2, 1, 3, 8, [9, 9, 9, 9, 9, 9]))))).toEqual([9, 9]);
    expect(Array.from(ivadomedGray(decodeRaster(png(2, 1, 3, 8, [8, 8, 8, 8, 8, 8]))))).toEqual([7, 7]);
  });

  it('pixel (row, col) becomes voxel (i = row, j = col) of a (H, W, 1) volume; labels are binarised at 0.5', () => {
    // 3 wide, 2 high
    const bytes = png(3, 2, 1, 8, [0, 10, 127, 128, 200, 255]);
    const v = readImage2D(bytes, { sidecar: SIDECAR });
    expect(v.shape).toEqual([2, 3, 1]);
    const at = (i: number, j: number) => v.data[i + 2 * j];
    expect([at(0, 0), at(0, 1), at(0, 2), at(1, 0), at(1, 1), at(1, 2)]).toEqual([0, 10, 127, 128, 200, 255]);
    const gt = readImage2D(bytes, { sidecar: SIDECAR, isLabel: true });
    expect(Array.from(gt.data)).toEqual([0, 1, 0, 1, 0, 1]); // order i + H j: (0,0),(1,0),(0,1),(1,1),(0,2),(1,2)
  });
});

describe('PixelSize from the sidecar', () => {
  it('converts units and orders (Y, X, Z), Z = X when absent or 0', () => {
    expect(microscopyPixelSizeMm({ PixelSize: [0.1, 0.2], PixelSizeUnits: 'um' })).toEqual([0.0002, 0.0001, 0.0001]);
    microscopyPixelSizeMm({ PixelSize: [100, 100], PixelSizeUnits: 'nm' }).forEach((x) => expect(x).toBeCloseTo(0.0001, 15));
    expect(microscopyPixelSizeMm({ PixelSize: [0.000093, 0.000093], PixelSizeUnits: 'mm' })).toEqual([0.000093, 0.000093, 0.000093]);
    expect(microscopyPixelSizeMm({ PixelSize: [1, 2, 0], PixelSizeUnits: 'mm' })).toEqual([2, 1, 1]);
    expect(microscopyPixelSizeMm({ PixelSize: [1, 2, 5], PixelSizeUnits: 'mm' })).toEqual([2, 1, 5]);
  });
  it('names what is missing or wrong', () => {
    expect(() => microscopyPixelSizeMm({ PixelSize: [1, 1] }, 'a.png')).toThrow(/a\.png: 'PixelSizeUnits' is missing/);
    expect(() => microscopyPixelSizeMm({ PixelSize: [1, 1], PixelSizeUnits: 'cm' }, 'a.png')).toThrow(/PixelSizeUnits 'cm' is not supported/);
    expect(() => microscopyPixelSizeMm({ PixelSizeUnits: 'um' }, 'a.png')).toThrow(/'PixelSize' is missing/);
    expect(() => microscopyPixelSizeMm({ PixelSize: 0.1, PixelSizeUnits: 'um' }, 'a.png')).toThrow(/must be \[PixelSizeX, PixelSizeY\]/);
    expect(() => readImage2D(png(1, 1, 1, 8, [0]), { name: 'b.png' })).toThrow(/b\.png: 'PixelSizeUnits' is missing/);
    expect(readImage2D(png(1, 1, 1, 8, [0]), { defaultPixelSizeMm: [1, 1, 1] }).spacing).toEqual([1, 1, 1]);
  });
  it('rejects garbage, truncated and broken JPEG files by name', () => {
    expect(() => decodeRaster(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]), 'x.jpg')).toThrow(/x\.jpg: unreadable JPEG/);
    const cut = encodeJpeg({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 4).fill(90) }, 90).data;
    expect(() => decodeRaster(new Uint8Array(cut.subarray(0, cut.length - 40)), 'cut.jpg')).toThrow(/cut\.jpg: unreadable JPEG/);
    expect(() => decodeRaster(new Uint8Array([1, 2, 3, 4, 5]), 'x.png')).toThrow(/x\.png: not a PNG, TIFF or JPEG image/);
    const good = png(16, 16, 1, 8, new Array(256).fill(3));
    expect(() => decodeRaster(good.subarray(0, 40), 'cut.png')).toThrow(/cut\.png: unreadable PNG/);
  });
});

describe.skipIf(!hasIvadomedTestData)('data_test_png_tif and microscopy_png', () => {
  const dir = (sub: string) => testDataPath('data_test_png_tif', sub, 'micr');
  const variants = ['8gray', '16gray', '8rgb', '16rgb', '8rgba', '16rgba'];
  const cache = new Map<string, ReturnType<typeof readImage2D>>();
  const load = (fmt: 'png' | 'tif', v: string) => {
    const key = `${fmt}/${v}`;
    if (!cache.has(key)) cache.set(key, readImage2D(readFileSync(`${dir(`sub-${fmt}`)}/sub-${fmt}_sample-${v}_SEM.${fmt}`), { name: v, sidecar: SIDECAR }));
    return cache.get(key)!;
  };

  it('every PNG/TIFF variant loads as a 256x256x1 volume at 0.07 um', () => {
    for (const fmt of ['png', 'tif'] as const) {
      for (const v of variants) {
        if (fmt === 'png' && v === '8gray') continue; // a 278x266 crop, checked below
        const vol = load(fmt, v);
        expect(vol.shape).toEqual([256, 256, 1]);
        vol.spacing.forEach((s) => expect(s).toBeCloseTo(0.00007, 12));
        let min = 255, max = 0;
        for (const x of vol.data) { if (x < min) min = x; if (x > max) max = x; }
        // gray keeps the source range 2..215; RGB(A) is stretched to 0..255 by image_as_uint
        expect([min, max]).toEqual(v.includes('gray') ? [2, 215] : [0, 255]);
      }
    }
  });

  it('8/16-bit and PNG/TIFF variants of the same crop give the same voxels', () => {
    const ref = load('tif', '8gray');
    expect(firstDifference(load('tif', '16gray').data, ref.data)).toBe(-1);
    expect(firstDifference(load('png', '16gray').data, ref.data)).toBe(-1);
    const rgb = load('tif', '8rgb');
    for (const [f, v] of [['tif', '16rgb'], ['tif', '8rgba'], ['tif', '16rgba'], ['png', '8rgb'], ['png', '16rgb'], ['png', '8rgba'], ['png', '16rgba']] as const) {
      expect(firstDifference(load(f, v).data, rgb.data)).toBe(-1);
    }
  });

  it('the 278x266 8-bit gray and gray+alpha PNGs agree and keep rows on i', () => {
    const g = readImage2D(readFileSync(`${dir('sub-png')}/sub-png_sample-8gray_SEM.png`), { sidecar: SIDECAR });
    const ga = readImage2D(readFileSync(`${dir('sub-png')}/sub-png_sample-8grayalhpa_SEM.png`), { sidecar: SIDECAR });
    expect(g.shape).toEqual([266, 278, 1]);
    expect(ga.raster.channels).toBe(2);
    expect(firstDifference(ga.data, g.data)).toBe(-1);
    const raster = decodeRaster(readFileSync(`${dir('sub-png')}/sub-png_sample-8gray_SEM.png`));
    expect(g.data[5 + 266 * 7]).toBe(raster.data[5 * 278 + 7]);
  });

  it('microscopy_png images and binarised labels', () => {
    const m = (p: string) => testDataPath('microscopy_png', p);
    const img = readImage2D(readFileSync(m('sub-rat2/micr/sub-rat2_sample-data5_SEM.png')), { sidecar: { PixelSize: [0.000093, 0.000093], PixelSizeUnits: 'mm' } });
    expect(img.shape).toEqual([725, 725, 1]);
    expect(img.spacing).toEqual([0.000093, 0.000093, 0.000093]);
    const labelBytes = readFileSync(m('derivatives/labels/sub-rat2/micr/sub-rat2_sample-data5_SEM_seg-axon-manual.png'));
    const gt = readImage2D(labelBytes, { sidecar: { PixelSize: [0.000093, 0.000093], PixelSizeUnits: 'mm' }, isLabel: true });
    const raw = decodeRaster(labelBytes);
    let expectedOnes = 0;
    for (const x of raw.data) if (x >= 128) expectedOnes++;
    let ones = 0, other = 0;
    for (const x of gt.data) { if (x === 1) ones++; else if (x !== 0) other++; }
    expect(other).toBe(0);
    expect(ones).toBe(expectedOnes);
    expect(ones).toBeGreaterThan(1000);
    const d9 = readImage2D(readFileSync(m('sub-rat3/ses-01/micr/sub-rat3_ses-01_sample-data9_SEM.png')), { sidecar: { PixelSize: [0.1, 0.2], PixelSizeUnits: 'um' } });
    expect(d9.shape).toEqual([d9.raster.height, d9.raster.width, 1]);
    expect(d9.spacing).toEqual([0.0002, 0.0001, 0.0001]);
  });
});

/**
 * A baseline gray (1-component) JPEG of 16x8 pixels written by hand: two 8x8 blocks with only a DC
 * coefficient (quantisation 1), so the decoded values are exact: left block 144, right block 112.
 * DC of a constant block v is 8·(v − 128): 128, then −128 (difference −256).
 */
function grayJpeg(): Uint8Array {
  const bits: number[] = [];
  const put = (value: number, n: number) => { for (let i = n - 1; i >= 0; i--) bits.push((value >> i) & 1); };
  // DC table: symbol 8 -> '00', symbol 9 -> '01'. AC table: EOB (0x00) -> '0'.
  put(0b00, 2); put(128, 8); put(0, 1);          // block 1: DC diff +128 (category 8), EOB
  put(0b01, 2); put(-256 + 511, 9); put(0, 1);   // block 2: DC diff -256 (category 9, one's complement), EOB
  while (bits.length % 8) bits.push(1);
  const scan: number[] = [];
  for (let i = 0; i < bits.length; i += 8) scan.push(parseInt(bits.slice(i, i + 8).join(''), 2));
  const seg = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
  const counts = (n: number[]) => Array.from({ length: 16 }, (_, i) => n[i] ?? 0);
  return Uint8Array.from([
    0xff, 0xd8,
    ...seg(0xdb, [0x00, ...new Array(64).fill(1)]),                 // DQT 0: all ones
    ...seg(0xc0, [8, 0, 8, 0, 16, 1, 1, 0x11, 0]),                  // SOF0: 8-bit, 8 rows, 16 columns, 1 component
    ...seg(0xc4, [0x00, ...counts([0, 2]), 8, 9]),                  // DHT DC 0: two 2-bit codes
    ...seg(0xc4, [0x10, ...counts([1]), 0x00]),                     // DHT AC 0: one 1-bit code (EOB)
    ...seg(0xda, [1, 1, 0x00, 0, 63, 0]),                           // SOS
    ...scan,
    0xff, 0xd9,
  ]);
}

describe('JPEG', () => {
  it('reads the frame header without decoding, and sees a cut file', () => {
    const gray = grayJpeg();
    expect(jpegHeader(gray)).toEqual({ width: 16, height: 8, components: 1, progressive: false });
    expect(jpegComplete(gray)).toBe(true);
    expect(jpegComplete(gray.subarray(0, gray.length - 1))).toBe(false);
    const rgb = encodeJpeg({ width: 5, height: 3, data: new Uint8Array(60).fill(200) }, 90).data;
    expect(jpegHeader(new Uint8Array(rgb))).toEqual({ width: 5, height: 3, components: 3, progressive: false });
    expect(jpegHeader(new Uint8Array([0x89, 0x50]))).toBeNull();
  });

  it('decodes a gray JPEG to one channel with exact values, row-major', () => {
    const r = decodeRaster(grayJpeg(), 'g.jpg');
    expect([r.width, r.height, r.channels, r.bitDepth, r.format]).toEqual([16, 8, 1, 8, 'jpeg']);
    for (let row = 0; row < 8; row++) {
      expect(r.data[row * 16 + 0]).toBe(144);
      expect(r.data[row * 16 + 7]).toBe(144);
      expect(r.data[row * 16 + 8]).toBe(112);
      expect(r.data[row * 16 + 15]).toBe(112);
    }
    // As a volume: voxel (row, col, 0); gray values as is.
    const v = readImage2D(grayJpeg(), { sidecar: SIDECAR, name: 'g.jpg' });
    expect(v.shape).toEqual([8, 16, 1]);
    expect(v.data[0]).toBe(144);            // (0, 0)
    expect(v.data[0 + 8 * 15]).toBe(112);   // (0, 15)
    expect(v.raster.format).toBe('jpeg');
  });

  it('decodes an RGB JPEG to three channels (then ivadomed\'s luminance)', () => {
    // Left half red, right half blue; quality 100 keeps flat colours within a few levels.
    const w = 16, h = 8;
    const rgba = new Uint8Array(w * h * 4);
    for (let p = 0; p < w * h; p++) rgba.set(p % w < 8 ? [220, 30, 30, 255] : [30, 30, 220, 255], p * 4);
    const r = decodeRaster(new Uint8Array(encodeJpeg({ width: w, height: h, data: rgba }, 100).data), 'c.jpg');
    expect([r.width, r.height, r.channels]).toEqual([16, 8, 3]);
    const px = (row: number, col: number) => Array.from(r.data.subarray((row * w + col) * 3, (row * w + col) * 3 + 3));
    px(2, 1).forEach((c, i) => expect(Math.abs(c - [220, 30, 30][i])).toBeLessThanOrEqual(6));
    px(5, 14).forEach((c, i) => expect(Math.abs(c - [30, 30, 220][i])).toBeLessThanOrEqual(6));
    const gray = ivadomedGray(r);
    expect(gray[2 * w + 1]).toBeGreaterThan(gray[2 * w + 14]);  // red is brighter than blue in luminance
  });
});

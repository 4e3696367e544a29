import { expect, test, type Page } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readNifti } from '../src/data/nifti';
import { changedPixels, lumaVariance, reddishPixels, shoot } from './pixels';

const ARTIFACTS = 'e2e-artifacts';
const DATA = path.resolve(process.cwd(), '../shared/data/ivadomed-data-testing');
const T1W = path.join(DATA, 'sub-unf01/anat/sub-unf01_T1w.nii.gz');
const SEG = path.join(DATA, 'derivatives/labels/sub-unf01/anat/sub-unf01_T1w_seg-manual.nii.gz');
const haveData = existsSync(T1W) && existsSync(SEG);

test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

async function openViewer(page: Page, errors: string[]) {
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await page.getByRole('tab', { name: 'Viewer' }).click();
  await expect(page.getByTestId('niivue-viewer')).toHaveAttribute('data-ready', 'true');
}

async function readout(page: Page): Promise<Record<string, number>> {
  const rows = page.getByTestId('crosshair-value');
  const out: Record<string, number> = {};
  for (const row of await rows.all()) out[(await row.getAttribute('data-layer'))!] = Number(await row.getAttribute('data-value'));
  return out;
}

test('the viewer opens a NIfTI, overlays its label, switches views and reads every layer under the crosshair', async ({ page }) => {
  test.skip(!haveData, `ivadomed test data not found at ${DATA}`);
  const errors: string[] = [];
  await openViewer(page, errors);
  const canvas = page.getByTestId('niivue-canvas');
  const blank = await shoot(canvas, `${ARTIFACTS}/viewer-empty.png`);
  // Only the dark stage and the one-line hint: little variance.
  expect(lumaVariance(blank)).toBeLessThan(100);

  // Base image through the file input.
  await page.getByTestId('open-image-input').setInputFiles(T1W);
  const baseLayer = page.locator('[data-testid="layer"][data-layer-name="sub-unf01_T1w.nii.gz"]');
  await expect(baseLayer).toContainText('131×141×16 voxels');
  await expect(page.getByTestId('crosshair-value')).toHaveCount(1);
  await expect(page.getByTestId('niivue-viewer')).toHaveAttribute('data-loading', '');
  const base = await shoot(canvas, `${ARTIFACTS}/viewer-base.png`);
  expect(lumaVariance(base)).toBeGreaterThan(4 * lumaVariance(blank));
  expect(changedPixels(blank, base)).toBeGreaterThan((base.width * base.height) / 10);

  // The crosshair value is the voxel's value in the file (read independently with the data layer).
  const volume = readNifti(readFileSync(T1W), 'T1w');
  const [nx, ny] = volume.shape;
  const check = async () => {
    const row = page.getByTestId('crosshair-value').first();
    const value = Number(await row.getAttribute('data-value'));
    const vox = (await page.getByTestId('crosshair-readout').innerText()).match(/voxel \[(\d+), (\d+), (\d+)\]/);
    expect(vox, 'readout shows the voxel').not.toBeNull();
    const [i, j, k] = vox!.slice(1).map(Number);
    expect(value).toBeCloseTo(volume.data[i + nx * (j + ny * k)], 3);
    return [i, j, k];
  };
  const centre = await check();

  // The spinal-cord label as an overlay (kind guessed from "_seg-manual").
  await page.getByTestId('open-image-input').setInputFiles(SEG);
  const segLayer = page.locator('[data-testid="layer"][data-layer-name="sub-unf01_T1w_seg-manual.nii.gz"]');
  await expect(segLayer).toHaveAttribute('data-kind', 'label');
  await expect(page.getByTestId('crosshair-value')).toHaveCount(2);
  await expect(page.getByTestId('niivue-viewer')).toHaveAttribute('data-loading', '');
  // Sagittal through the centre crosses the cord.
  await page.getByRole('radio', { name: 'Sagittal' }).click();
  await page.waitForTimeout(300);
  const withLabel = await shoot(canvas, `${ARTIFACTS}/viewer-label.png`);
  expect(reddishPixels(withLabel)).toBeGreaterThan(50);

  await page.getByLabel('Show sub-unf01_T1w_seg-manual.nii.gz').uncheck();
  await page.waitForTimeout(300);
  const hidden = await shoot(canvas, `${ARTIFACTS}/viewer-label-hidden.png`);
  expect(changedPixels(withLabel, hidden)).toBeGreaterThan(50);
  expect(reddishPixels(hidden)).toBeLessThan(reddishPixels(withLabel) / 10);

  await page.getByLabel('Show sub-unf01_T1w_seg-manual.nii.gz').check();
  await page.getByLabel('Opacity of sub-unf01_T1w_seg-manual.nii.gz').fill('1');
  await page.waitForTimeout(300);
  const opaque = await shoot(canvas);
  expect(changedPixels(withLabel, opaque)).toBeGreaterThan(20);

  // Every view renders something, and they differ.
  const shots: Record<string, Awaited<ReturnType<typeof shoot>>> = {};
  for (const name of ['Axial', 'Coronal', 'Sagittal', 'Multiplanar', '3D']) {
    await page.getByRole('radio', { name }).click();
    await expect(page.getByRole('radio', { name })).toHaveAttribute('aria-checked', 'true');
    await page.waitForTimeout(400);
    shots[name] = await shoot(canvas, `${ARTIFACTS}/viewer-${name.toLowerCase()}.png`);
    expect(lumaVariance(shots[name]), `${name} view is not blank`).toBeGreaterThan(50);
  }
  expect(changedPixels(shots.Axial, shots.Sagittal)).toBeGreaterThan(1000);
  expect(changedPixels(shots.Multiplanar, shots['3D'])).toBeGreaterThan(1000);

  // Clicking moves the crosshair; both layers are read at the new place.
  await page.getByRole('radio', { name: 'Axial' }).click();
  const box = (await canvas.boundingBox())!;
  await canvas.click({ position: { x: box.width * 0.42, y: box.height * 0.58 } });
  await expect.poll(async () => (await check()).join(',')).not.toBe(centre.join(','));
  const values = await readout(page);
  expect(Object.keys(values).sort()).toEqual(['sub-unf01_T1w.nii.gz', 'sub-unf01_T1w_seg-manual.nii.gz']);
  expect([0, 1]).toContain(values['sub-unf01_T1w_seg-manual.nii.gz']);

  await page.screenshot({ path: `${ARTIFACTS}/viewer.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('a file the viewer cannot read is named in a clear message', async ({ page }) => {
  const errors: string[] = [];
  await openViewer(page, errors);
  await page.getByTestId('open-image-input').setInputFiles({ name: 'broken.nii.gz', mimeType: 'application/gzip', buffer: Buffer.from('this is not an image at all, just text pretending to be one.'.repeat(10)) });
  await expect(page.getByTestId('viewer-problem')).toContainText('broken.nii.gz');
  await page.getByTestId('open-image-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(page.getByTestId('viewer-problem').filter({ hasText: 'notes.txt' })).toContainText('.nii or .nii.gz');
  await expect(page.getByTestId('layer')).toHaveCount(0);
  await page.screenshot({ path: `${ARTIFACTS}/viewer-bad-file.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('probability and uncertainty overlays use continuous colormaps with adjustable range, opacity and a colorbar', async ({ page }) => {
  test.skip(!haveData, `ivadomed test data not found at ${DATA}`);
  const { writeNifti } = await import('../src/data/nifti');
  const t1 = readNifti(readFileSync(T1W), 'T1w');
  const [nx, ny, nz] = t1.shape;
  // A soft blob at the volume centre (a made-up "prediction") and a ring of uncertainty around it.
  const prob = new Float32Array(nx * ny * nz);
  const unc = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const r = Math.hypot(i - nx / 2, j - ny / 2);
        const p = Math.exp(-(r * r) / (2 * 12 * 12));
        prob[i + nx * (j + ny * k)] = p;
        unc[i + nx * (j + ny * k)] = p > 0.01 ? -(p * Math.log(p) + (1 - p) * Math.log(1 - p + 1e-9)) : 0;
      }
  const asFile = (data: Float32Array, name: string) => ({
    name,
    mimeType: 'application/gzip',
    buffer: Buffer.from(writeNifti({ data, shape: t1.shape, spacing: t1.spacing, affine: t1.affine, header: t1.header })),
  });

  const errors: string[] = [];
  await openViewer(page, errors);
  const canvas = page.getByTestId('niivue-canvas');
  await page.getByTestId('open-image-input').setInputFiles(T1W);
  await expect(page.getByTestId('crosshair-value')).toHaveCount(1);
  await page.getByRole('radio', { name: 'Axial' }).click();
  await page.getByTestId('open-image-input').setInputFiles(asFile(prob, 'sub-unf01_T1w_pred_soft.nii.gz'));
  const probLayer = page.locator('[data-testid="layer"][data-layer-name="sub-unf01_T1w_pred_soft.nii.gz"]');
  await expect(probLayer).toHaveAttribute('data-kind', 'probability');
  await expect(page.getByTestId('crosshair-value')).toHaveCount(2);
  await expect(page.getByTestId('niivue-viewer')).toHaveAttribute('data-loading', '');
  // The crosshair starts at the centre, where the blob is ~1.
  const values = await readout(page);
  expect(values['sub-unf01_T1w_pred_soft.nii.gz']).toBeGreaterThan(0.9);
  await expect(page.getByLabel('Colormap of sub-unf01_T1w_pred_soft.nii.gz')).toHaveValue('viridis');
  await expect(page.getByLabel('Minimum of the display range of sub-unf01_T1w_pred_soft.nii.gz')).toHaveValue('0');
  await expect(page.getByLabel('Maximum of the display range of sub-unf01_T1w_pred_soft.nii.gz')).toHaveValue('1');
  await page.waitForTimeout(300);
  const shown = await shoot(canvas, `${ARTIFACTS}/viewer-probability.png`);

  // Range: raising the minimum hides the blob's rim (NiiVue needs updateGLVolume for this, #463).
  await page.getByLabel('Minimum of the display range of sub-unf01_T1w_pred_soft.nii.gz').fill('0.6');
  await page.waitForTimeout(300);
  const narrowed = await shoot(canvas, `${ARTIFACTS}/viewer-probability-range.png`);
  expect(changedPixels(shown, narrowed)).toBeGreaterThan(500);

  // Colormap and opacity change the picture too.
  await page.getByLabel('Colormap of sub-unf01_T1w_pred_soft.nii.gz').selectOption('hot');
  await page.waitForTimeout(300);
  const hot = await shoot(canvas);
  expect(changedPixels(narrowed, hot)).toBeGreaterThan(500);
  await page.getByLabel('Opacity of sub-unf01_T1w_pred_soft.nii.gz').fill('0.2');
  await page.waitForTimeout(300);
  const faint = await shoot(canvas);
  expect(changedPixels(hot, faint)).toBeGreaterThan(500);

  // Uncertainty map on top, with its colorbar; switching the colorbar off changes the picture.
  await page.getByTestId('open-image-input').setInputFiles(asFile(unc, 'sub-unf01_T1w_unc-vox.nii.gz'));
  await expect(page.locator('[data-testid="layer"][data-layer-name="sub-unf01_T1w_unc-vox.nii.gz"]')).toHaveAttribute('data-kind', 'uncertainty');
  await expect(page.getByTestId('crosshair-value')).toHaveCount(3);
  await expect(page.getByTestId('niivue-viewer')).toHaveAttribute('data-loading', '');
  await page.waitForTimeout(300);
  const withBars = await shoot(canvas, `${ARTIFACTS}/viewer-uncertainty.png`);
  const unc0 = page.locator('[data-testid="layer"][data-layer-name="sub-unf01_T1w_unc-vox.nii.gz"]');
  await unc0.getByLabel('colorbar').uncheck();
  await probLayer.getByLabel('colorbar').uncheck();
  await page.waitForTimeout(300);
  const noBars = await shoot(canvas);
  expect(changedPixels(withBars, noBars)).toBeGreaterThan(500);
  await page.screenshot({ path: `${ARTIFACTS}/viewer-overlays.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('without WebGL2 the viewer says how to get it', async ({ page }) => {
  await page.addInitScript(() => {
    const original = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, type: string, ...rest: unknown[]) {
      if (type === 'webgl2') return null;
      return (original as (...a: unknown[]) => unknown).call(this, type, ...rest);
    } as typeof original;
  });
  await page.goto('/');
  await page.getByRole('tab', { name: 'Viewer' }).click();
  await expect(page.getByTestId('viewer-gl-error')).toContainText('WebGL2');
  await expect(page.getByTestId('viewer-gl-error')).toContainText('--enable-unsafe-swiftshader');
  await expect(page.getByTestId('viewer-gl-error')).toContainText('hardware acceleration');
  await page.screenshot({ path: `${ARTIFACTS}/viewer-no-webgl2.png`, fullPage: true });
});

test('a NIfTI dropped on the viewer is added as an overlay of the open image', async ({ page }) => {
  test.skip(!haveData, `ivadomed test data not found at ${DATA}`);
  const errors: string[] = [];
  await openViewer(page, errors);
  await page.getByTestId('open-image-input').setInputFiles(T1W);
  await expect(page.getByTestId('crosshair-value')).toHaveCount(1);
  const b64 = readFileSync(SEG).toString('base64');
  await page.locator('.viewer-layout').evaluate((el, data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], 'sub-unf01_T1w_seg-manual.nii.gz'));
    el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, b64);
  await expect(page.getByTestId('layer')).toHaveCount(2);
  await expect(page.getByTestId('layer').nth(0)).toHaveAttribute('data-layer-name', 'sub-unf01_T1w.nii.gz');
  await expect(page.getByTestId('layer').nth(1)).toHaveAttribute('data-kind', 'label');
  await expect(page.getByTestId('crosshair-value')).toHaveCount(2);
  expect(errors).toEqual([]);
});

import { expect, test, type Page } from '@playwright/test';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { lumaVariance, reddishPixels, shoot } from './pixels';

const ARTIFACTS = 'e2e-artifacts';
const DATA = path.resolve(process.cwd(), '../shared/data/ivadomed-data-testing');
const haveData = existsSync(path.join(DATA, 'dataset_description.json'));

test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

test('the sample dataset is generated in the page, indexed, tabulated, and a cell opens in the viewer with its label', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'No dataset open' })).toBeVisible();
  await page.getByRole('button', { name: 'Sample dataset' }).click();
  await expect(page.getByTestId('dataset-ready')).toBeVisible();
  // The data layer's synthetic phantom: 6 subjects × T1w/T2w, cord and lesion labels.
  await expect(page.getByTestId('dataset-summary')).toContainText('6 subjects · 2 contrasts (T1w, T2w) · 12 images · labels: lesion-manual, seg-manual');
  await expect(page.getByTestId('dataset-cell')).toHaveCount(12);
  await expect(page.getByTestId('dataset-problem').and(page.locator('.error'))).toHaveCount(0);
  // Headers were read: grid and voxel size in the table; sidecar metadata in the image table.
  const first = page.locator('[data-testid="dataset-cell"][data-path="sub-01/anat/sub-01_T2w.nii.gz"]');
  await expect(first).toContainText('32×32×16');
  await expect(first).toContainText('0.8×0.8×2 mm');
  await expect(first).toContainText('seg-manual');
  await expect(first).toContainText('lesion-manual');
  const row = page.locator('[data-testid="image-row"][data-path="sub-01/anat/sub-01_T2w.nii.gz"]');
  await expect(row).toContainText('Siemens');
  await page.screenshot({ path: `${ARTIFACTS}/dataset-sample.png`, fullPage: true });

  await page.getByRole('button', { name: 'Open sub-02 T2w in the Viewer' }).click();
  await expect(page.getByRole('tab', { name: 'Viewer' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('layer')).toHaveCount(3);
  await expect(page.locator('[data-testid="layer"][data-layer-name="sub-02_T2w_seg-manual.nii.gz"]')).toHaveAttribute('data-kind', 'label');
  await expect(page.locator('[data-testid="layer"][data-layer-name="sub-02_T2w_lesion-manual.nii.gz"]')).toHaveAttribute('data-kind', 'label');
  await expect(page.getByTestId('crosshair-value')).toHaveCount(3);
  await expect(page.getByTestId('niivue-viewer')).toHaveAttribute('data-loading', '');
  await page.getByRole('radio', { name: 'Axial' }).click();
  await page.waitForTimeout(300);
  const shot = await shoot(page.getByTestId('niivue-canvas'), `${ARTIFACTS}/dataset-sample-viewer.png`);
  expect(lumaVariance(shot)).toBeGreaterThan(100);
  expect(reddishPixels(shot)).toBeGreaterThan(20);

  // Leaving the tab unmounts the viewer (NiiVue cleaned up, context released); coming back reloads the same layers.
  await page.getByRole('tab', { name: 'Dataset' }).click();
  await expect(page.getByTestId('dataset-ready')).toBeVisible();
  await page.getByRole('tab', { name: 'Viewer' }).click();
  await expect(page.getByTestId('crosshair-value')).toHaveCount(3);
  await expect(page.getByTestId('niivue-viewer')).toHaveAttribute('data-loading', '');
  await page.waitForTimeout(300);
  const again = await shoot(page.getByTestId('niivue-canvas'));
  expect(reddishPixels(again)).toBeGreaterThan(20);
  expect(errors).toEqual([]);
});

test("ivadomed's test dataset opens through the folder input, problems are named, and sub-unf01 opens in the viewer", async ({ page }) => {
  test.skip(!haveData, `ivadomed test data not found at ${DATA}`);
  const errors = collectErrors(page);
  await page.goto('/');
  await page.getByTestId('dataset-folder-input').setInputFiles(DATA);
  await expect(page.getByTestId('dataset-ready')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Dataset: ivadomed-data-testing' })).toBeVisible();
  await expect(page.getByTestId('dataset-summary')).toContainText('3 subjects · 3 contrasts (T1w, T2star, T2w) · 9 images');
  await expect(page.getByTestId('dataset-summary')).toContainText('labels: labels-disc-manual, lesion-manual, seg-manual');
  const t1 = page.locator('[data-testid="dataset-cell"][data-path="sub-unf01/anat/sub-unf01_T1w.nii.gz"]');
  await expect(t1).toContainText('131×141×16');
  await expect(t1).toContainText('seg-manual');
  // sub-unf02's T2star has no label: the problem names the file.
  await expect(page.locator('[data-testid="dataset-problem"][data-path="sub-unf02/anat/sub-unf02_T2star.nii.gz"]')).toContainText('No label');
  await expect(page.locator('[data-testid="image-row"][data-path="sub-unf01/anat/sub-unf01_T1w.nii.gz"]')).toContainText('0.00372');
  await page.screenshot({ path: `${ARTIFACTS}/dataset-ivadomed.png`, fullPage: true });

  await t1.click();
  await expect(page.getByRole('tab', { name: 'Viewer' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('layer')).toHaveCount(3);
  await expect(page.getByTestId('crosshair-value')).toHaveCount(3);
  await expect(page.getByTestId('niivue-viewer')).toHaveAttribute('data-loading', '');
  await page.getByRole('radio', { name: 'Axial' }).click();
  await page.waitForTimeout(300);
  const shot = await shoot(page.getByTestId('niivue-canvas'), `${ARTIFACTS}/dataset-ivadomed-viewer.png`);
  expect(lumaVariance(shot)).toBeGreaterThan(100);
  expect(reddishPixels(shot)).toBeGreaterThan(20); // the cord label on the axial slice
  await page.screenshot({ path: `${ARTIFACTS}/dataset-ivadomed-viewer-page.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('NIfTI files dropped anywhere on the page open in the viewer', async ({ page }) => {
  test.skip(!haveData, `ivadomed test data not found at ${DATA}`);
  const errors = collectErrors(page);
  await page.goto('/');
  // A drop of loose files (a folder drop cannot be synthesised: DataTransfer has no directory entries).
  const bytes = (await import('node:fs')).readFileSync(path.join(DATA, 'sub-unf01/anat/sub-unf01_T2w.nii.gz')).toString('base64');
  await page.evaluate(async (b64) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([data], 'sub-unf01_T2w.nii.gz'));
    document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, bytes);
  await expect(page.getByRole('tab', { name: 'Viewer' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('[data-testid="layer"][data-layer-name="sub-unf01_T2w.nii.gz"]')).toContainText('131×141×16');
  expect(errors).toEqual([]);
});

test('a microscopy dataset (PNG + PixelSize sidecars) opens, and a PNG with its two labels shows in the viewer', async ({ page }) => {
  const micro = path.join(DATA, 'microscopy_png');
  test.skip(!existsSync(path.join(micro, 'dataset_description.json')), `ivadomed microscopy test data not found at ${micro}`);
  const errors = collectErrors(page);
  await page.goto('/');
  await page.getByTestId('dataset-folder-input').setInputFiles(micro);
  await expect(page.getByTestId('dataset-ready')).toBeVisible();
  await expect(page.getByTestId('dataset-summary')).toContainText('2 subjects · 1 contrast (SEM) · 5 images');
  await expect(page.getByTestId('dataset-summary')).toContainText('labels: seg-axon-manual, seg-myelin-manual');
  const cell = page.locator('[data-testid="dataset-cell"][data-path="sub-rat2/micr/sub-rat2_sample-data5_SEM.png"]');
  await expect(cell).toContainText('seg-axon-manual');
  await page.screenshot({ path: `${ARTIFACTS}/dataset-microscopy.png`, fullPage: true });
  await cell.click();
  await expect(page.getByRole('tab', { name: 'Viewer' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('layer')).toHaveCount(3);
  await expect(page.locator('[data-testid="layer"][data-layer-name="sub-rat2_sample-data5_SEM.png"]')).toContainText('725×725×1');
  await expect(page.getByTestId('crosshair-value')).toHaveCount(3);
  await expect(page.getByTestId('niivue-viewer')).toHaveAttribute('data-loading', '');
  await page.getByRole('radio', { name: 'Axial' }).click();
  await page.waitForTimeout(300);
  const shot = await shoot(page.getByTestId('niivue-canvas'), `${ARTIFACTS}/dataset-microscopy-viewer.png`);
  expect(lumaVariance(shot)).toBeGreaterThan(100);
  expect(reddishPixels(shot)).toBeGreaterThan(100); // axons in the first label colour
  expect(errors).toEqual([]);
});

test('a folder opened with the directory picker is remembered in IndexedDB and reopened after a reload', async ({ page }) => {
  test.skip(!haveData, `ivadomed test data not found at ${DATA}`);
  const errors = collectErrors(page);
  const { readFileSync } = await import('node:fs');
  const files: Record<string, string> = {};
  for (const p of [
    'dataset_description.json',
    'sub-unf02/anat/sub-unf02_T1w.nii.gz',
    'sub-unf02/anat/sub-unf02_T1w.json',
    'derivatives/labels/sub-unf02/anat/sub-unf02_T1w_labels-disc-manual.nii.gz',
  ])
    files[p] = readFileSync(path.join(DATA, p)).toString('base64');
  // The picker cannot be driven headless: stand in for it with a directory of the origin-private file
  // system, a real FileSystemDirectoryHandle (structured-cloneable into IndexedDB, with permissions).
  await page.addInitScript(() => {
    (window as unknown as { showDirectoryPicker: () => Promise<FileSystemDirectoryHandle> }).showDirectoryPicker = async () =>
      (await navigator.storage.getDirectory()).getDirectoryHandle('picked-bids');
  });
  await page.goto('/');
  await page.evaluate(async (contents) => {
    const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked-bids', { create: true });
    for (const [p, b64] of Object.entries(contents)) {
      const parts = p.split('/');
      let dir = root;
      for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create: true });
      const handle = await dir.getFileHandle(parts[parts.length - 1], { create: true });
      const w = await handle.createWritable();
      await w.write(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
      await w.close();
    }
  }, files);

  await page.getByRole('button', { name: 'Open folder…' }).click();
  await expect(page.getByRole('heading', { name: 'Dataset: picked-bids' })).toBeVisible();
  await expect(page.getByTestId('dataset-summary')).toContainText('1 subject · 1 contrast (T1w) · 1 images · labels: labels-disc-manual');
  await expect(page.locator('[data-testid="dataset-cell"][data-path="sub-unf02/anat/sub-unf02_T1w.nii.gz"]')).toContainText('19×26×32');

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Recent folders' })).toBeVisible();
  await expect(page.locator('.recent-folders li').first()).toContainText('picked-bids');
  await page.screenshot({ path: `${ARTIFACTS}/dataset-recent.png`, fullPage: true });
  await page.getByRole('button', { name: 'Reopen' }).first().click();
  await expect(page.getByTestId('dataset-summary')).toContainText('1 subject · 1 contrast (T1w) · 1 images');
  // Opening it again does not add a second entry for the same folder.
  await page.getByRole('button', { name: 'Close' }).click();
  await expect(page.locator('.recent-folders li')).toHaveCount(1);
  expect(errors).toEqual([]);
});

/**
 * The Results tab through the real UI: a short training (2 epochs of the sample 2D U-Net, imported as
 * a config.json) in the GPU worker, then --test with MC dropout (n_it = 2) on the engine: the
 * evaluation table has rows and sorts; a row opens its subject in the Viewer with the prediction and
 * the entropy (unc-vox) overlay, which visibly changes the canvas when toggled; the model bundle
 * downloads as a zip with bundle.json and model.onnx, uploads back, and segments an image of the
 * open sample dataset with onnxruntime-web on wasm.
 */
import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { mkdirSync, readFileSync } from 'node:fs';
import { syntheticTrainingConfig } from '../src/train/testing';
import { changedPixels, lumaVariance, shoot } from './pixels';

const ARTIFACTS = 'e2e-artifacts';

test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

async function trainQuick(page: Page) {
  await page.getByRole('tab', { name: 'Training' }).click();
  await page.getByRole('radio', { name: /Sample dataset/ }).check();
  const config = { ...syntheticTrainingConfig({ epochs: 2, lr: 0.025 }), model_name: 'results_e2e_unet' };
  await page.getByLabel('Import config.json').setInputFiles({ name: 'quick.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(config)) });
  await expect(page.getByTestId('config-summary')).toContainText('2 epochs');
  await page.getByRole('button', { name: 'Start training' }).click();
  const summary = page.getByTestId('train-summary');
  await expect(summary).toBeVisible({ timeout: 420_000 });
  await expect(summary).toHaveAttribute('data-reason', 'completed');
  return (await summary.getAttribute('data-output'))!;
}

test('train, --test with MC dropout, the table, a subject in the Viewer with its entropy overlay, the bundle, ONNX wasm segmentation', async ({ page }) => {
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  const runFolder = await trainQuick(page);

  // ---- --test with MC dropout, n_it = 2, on the engine ----
  await page.getByRole('tab', { name: 'Results' }).click();
  await expect(page.getByRole('heading', { name: 'Results', exact: true })).toBeVisible();
  await expect(page.getByTestId('results-model')).toHaveValue(runFolder);
  await page.getByRole('radio', { name: /Test split/ }).check();
  await page.getByLabel('Backend').selectOption('engine');
  await page.getByRole('checkbox', { name: /MC dropout/ }).check();
  await page.getByLabel('Monte Carlo passes').fill('2');
  await page.getByRole('button', { name: 'Run on the test split' }).click();
  const summary = page.getByTestId('results-summary');
  await expect(summary).toBeVisible({ timeout: 300_000 });
  await expect(summary).toHaveAttribute('data-kind', 'test');
  const rows = page.getByTestId('eval-row');
  const nRows = await rows.count();
  expect(nRows).toBeGreaterThan(0);
  await expect(page.getByTestId('results-log')).toContainText('Monte Carlo passes');
  await expect(page.getByTestId('results-files')).toContainText('_unc-vox.nii.gz');
  await expect(page.getByTestId('results-files')).toContainText('results_eval/evaluation_3Dmetrics.csv');
  // The columns are evaluation_3Dmetrics.csv's; sorting by Dice orders the rows.
  const diceHeader = page.locator('[data-testid="eval-sort"][data-column="dice_class0"]');
  await diceHeader.click();
  await expect(page.locator('th', { has: diceHeader })).toHaveAttribute('aria-sort', 'descending');
  const dices = (await page.locator('[data-testid="eval-row"] td[data-column="dice_class0"]').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-value')))));
  expect(dices).toEqual([...dices].sort((a, b) => b - a));
  await page.screenshot({ path: `${ARTIFACTS}/results.png`, fullPage: true });

  // ---- a row opens the subject in the Viewer ----
  const id = (await rows.first().getAttribute('data-image-id'))!;
  await rows.first().click();
  await expect(page.getByTestId('niivue-viewer')).toHaveAttribute('data-ready', 'true');
  const unc = `${id}_unc-vox.nii.gz`;
  const layer = (name: string) => page.locator(`[data-testid="layer"][data-layer-name="${name}"]`);
  await expect(layer(`${id}.nii.gz`)).toBeVisible();
  await expect(layer(`${id}_pred.nii.gz`)).toHaveAttribute('data-kind', 'label');
  await expect(layer(`${id}_soft.nii.gz`)).toHaveAttribute('data-kind', 'probability');
  await expect(layer(unc)).toHaveAttribute('data-kind', 'uncertainty');
  await expect(page.getByTestId('crosshair-value')).toHaveCount(8, { timeout: 60_000 });
  await expect(page.getByTestId('niivue-viewer')).toHaveAttribute('data-loading', '');
  // Only the entropy on top of the image and the prediction: the other maps would cover it.
  for (const other of ['unc-iou', 'unc-cv', 'unc-avgUnc', 'soft']) await page.getByLabel(`Show ${id}_${other}.nii.gz`).uncheck();
  await page.getByRole('radio', { name: 'Axial' }).click();
  await page.waitForTimeout(500);
  const canvas = page.getByTestId('niivue-canvas');
  const withEntropy = await shoot(canvas, `${ARTIFACTS}/results-viewer-entropy.png`);
  expect(lumaVariance(withEntropy)).toBeGreaterThan(50);
  await page.getByLabel(`Show ${unc}`).uncheck();
  await page.waitForTimeout(500);
  const without = await shoot(canvas, `${ARTIFACTS}/results-viewer-no-entropy.png`);
  expect(lumaVariance(without)).toBeGreaterThan(50);
  expect(changedPixels(withEntropy, without)).toBeGreaterThan(30);
  await page.getByLabel(`Show ${unc}`).check();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${ARTIFACTS}/results-viewer.png`, fullPage: true });

  // ---- the model bundle: download, check, upload back ----
  await page.getByRole('tab', { name: 'Results' }).click();
  await expect(page.getByTestId('eval-row')).toHaveCount(nRows);
  const downloading = page.waitForEvent('download', { timeout: 120_000 });
  await page.getByRole('button', { name: 'Download model bundle' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('results_e2e_unet.ivadomed-web.zip');
  const bundlePath = `${ARTIFACTS}/results_e2e_unet.ivadomed-web.zip`;
  await download.saveAs(bundlePath);
  const bundleBytes = readFileSync(bundlePath);
  expect([...bundleBytes.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
  const members = unzipSync(new Uint8Array(bundleBytes));
  expect(Object.keys(members)).toContain('bundle.json');
  expect(Object.keys(members)).toContain('model.onnx');
  expect(JSON.parse(new TextDecoder().decode(members['bundle.json'])).model_name).toBe('results_e2e_unet');
  await page.getByTestId('bundle-input').setInputFiles(bundlePath);
  await expect(page.getByTestId('results-model')).toHaveValue('bundle');
  await expect(page.getByTestId('bundle-info')).toContainText('with model.onnx');

  // ---- --segment one image of the open sample dataset with the bundle, on ONNX wasm ----
  await page.getByRole('tab', { name: 'Dataset' }).click();
  await page.getByRole('button', { name: 'Sample dataset' }).click();
  await expect(page.getByTestId('dataset-ready')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('tab', { name: 'Results' }).click();
  // The uploaded bundle stays chosen across tabs.
  await expect(page.getByTestId('results-model')).toHaveValue('bundle');
  await page.getByRole('radio', { name: /Open dataset: synthetic-bids/ }).check();
  await page.getByRole('radio', { name: /Segment images/ }).check();
  const imagePath = (await page.getByLabel('Image to segment').locator('option').evaluateAll((os) => os.map((o) => o.getAttribute('value')))).find((v) => v?.endsWith('_T2w.nii.gz'));
  expect(imagePath).toMatch(/_T2w\.nii\.gz$/);
  await page.getByLabel('Image to segment').selectOption(imagePath!);
  await page.getByLabel('Backend').selectOption('onnx-wasm');
  await page.getByRole('button', { name: 'Segment' }).click();
  await expect(page.getByTestId('results-summary')).toHaveAttribute('data-kind', 'segment', { timeout: 300_000 });
  await expect(page.getByTestId('results-summary')).toContainText('onnxruntime-web wasm');
  await expect(page.getByTestId('segment-row')).toHaveCount(1);
  await expect(page.getByTestId('results-files')).toContainText('_class-0_pred.nii.gz');
  await expect(page.getByTestId('results-log')).toContainText("the bundle's model.onnx");
  await page.screenshot({ path: `${ARTIFACTS}/results-segment-onnx.png`, fullPage: true });
  await page.getByTestId('segment-row').click();
  await expect(page.getByTestId('crosshair-value')).toHaveCount(2, { timeout: 60_000 });
  expect(errors).toEqual([]);
});

/**
 * The studio end to end, as a researcher uses it, in one page session (issue 7's "done when"):
 * the sample dataset opened in the Dataset tab; a short training set in the Configuration tab's forms
 * (2 epochs, 2 batches each) trained on that dataset in the GPU worker with the curves, the
 * validation slice and the GPU memory updating; --test with MC dropout (n_it = 2) on the engine: the
 * evaluation table has rows and sorts; a row opens its subject in the Viewer with the prediction and
 * the entropy (unc-vox) overlay, which visibly changes the canvas when toggled; the model bundle
 * downloads as a zip with bundle.json and model.onnx, uploads back, and segments an image of the open
 * dataset with onnxruntime-web on wasm; the config exported before training re-imports to the same
 * forms and bytes; after a reload the run is still listed; ivadomed's test dataset opens through the
 * folder input and sub-unf01 shows in the Viewer. A screenshot of each main screen goes to
 * e2e-artifacts/studio-*.png.
 */
import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../src/config/index';
import { changedPixels, lumaVariance, shoot } from './pixels';

const ARTIFACTS = 'e2e-artifacts';
const DATA = path.resolve(process.cwd(), '../shared/data/ivadomed-data-testing');
const haveData = existsSync(path.join(DATA, 'dataset_description.json'));

test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

test('dataset, forms, training, MC-dropout inference, the Viewer with entropy, bundle, ONNX wasm, config round trip, reload, ivadomed data', async ({ page }) => {
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');

  // ---- Dataset: the sample, through the UI ----
  await page.getByRole('button', { name: 'Sample dataset' }).click();
  await expect(page.getByTestId('dataset-ready')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('dataset-cell')).toHaveCount(12);
  await page.screenshot({ path: `${ARTIFACTS}/studio-1-dataset.png`, fullPage: true });

  // ---- Configuration: a short training in the forms; export it for later ----
  await page.getByRole('tab', { name: 'Configuration' }).click();
  await expect(page.getByRole('heading', { name: 'Configuration: Sample: fast 2D U-Net' })).toBeVisible();
  await page.locator('[data-path="model_name"] input').fill('results_e2e_unet');
  await page.locator('[data-path="training_parameters.training_time.num_epochs"] input').fill('2');
  await expect(page.getByTestId('config-status')).toHaveText('Valid configuration');
  await page.screenshot({ path: `${ARTIFACTS}/studio-2-configuration.png`, fullPage: false });
  const [exportDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export config.json' }).click()]);
  const exported = readFileSync((await exportDownload.path())!, 'utf8');
  const exportedConfig = parseConfig(exported);
  expect(exportedConfig.errors).toEqual([]);
  expect(exportedConfig.config.training_parameters.training_time.num_epochs).toBe(2);
  expect(exportedConfig.config.model_name).toBe('results_e2e_unet');

  // ---- Training: the forms' config on the open dataset, 2 batches per epoch ----
  await page.getByRole('tab', { name: 'Training' }).click();
  await page.getByRole('radio', { name: /Open dataset: synthetic-bids/ }).check();
  await expect(page.getByLabel('Configuration')).toHaveValue('config-tab');
  await expect(page.getByTestId('config-summary')).toContainText('results_e2e_unet: Unet, 2 epochs');
  await page.getByLabel('Batches per epoch limit').fill('2');
  await page.getByRole('button', { name: 'Start training' }).click();
  const batchChart = page.locator('[data-testid="line-chart"][aria-label="Training loss per batch"] .line-chart-host');
  await expect(page.getByTestId('epoch-row')).toHaveCount(1, { timeout: 300_000 });
  await expect(page.getByTestId('validation-preview')).toHaveAttribute('data-epoch', '1');
  const pointsAfterEpoch1 = Number(await batchChart.getAttribute('data-points'));
  expect(pointsAfterEpoch1).toBeGreaterThanOrEqual(1);
  const trainSummary = page.getByTestId('train-summary');
  await expect(trainSummary).toBeVisible({ timeout: 300_000 });
  await expect(trainSummary).toHaveAttribute('data-reason', 'completed');
  const runFolder = (await trainSummary.getAttribute('data-output'))!;
  // The curves grew during the run; the validation slice and GPU memory were updated.
  expect(Number(await batchChart.getAttribute('data-points'))).toBeGreaterThan(pointsAfterEpoch1);
  await expect(page.locator('[data-testid="line-chart"][aria-label="Loss and validation Dice per epoch"] .line-chart-host')).toHaveAttribute('data-points', '2');
  await expect(page.getByTestId('validation-preview')).toHaveAttribute('data-epoch', '2');
  const preview = await shoot(page.getByTestId('validation-preview').locator('canvas'));
  expect(lumaVariance(preview)).toBeGreaterThan(100);
  await expect(page.locator('[data-testid="line-chart"][aria-label="GPU memory held by the engine"]')).toBeVisible();
  // Back to epoch 1 with the slider, then the GIF of both epochs (one frame each).
  await expect(page.getByTestId('validation-preview')).toHaveAttribute('data-frames', '2');
  await page.getByLabel('Epoch of the validation slice').fill('0');
  await expect(page.getByTestId('validation-preview')).toHaveAttribute('data-epoch', '1');
  const [gifDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download GIF' }).click()]);
  expect(gifDownload.suggestedFilename()).toMatch(/_epochs-1-2\.gif$/);
  const gif = readFileSync((await gifDownload.path())!);
  expect(gif.toString('latin1', 0, 6)).toBe('GIF89a');
  let gifFrames = 0;
  for (let i = 0; i + 8 < gif.length; i++) if (gif[i] === 0x21 && gif[i + 1] === 0xf9 && gif[i + 2] === 0x04 && gif[i + 7] === 0 && gif[i + 8] === 0x2c) gifFrames++;
  expect(gifFrames).toBe(2);
  await page.getByLabel('Epoch of the validation slice').fill('1');
  await expect(page.getByTestId('validation-preview')).toHaveAttribute('data-epoch', '2');
  await page.screenshot({ path: `${ARTIFACTS}/studio-3-training.png`, fullPage: true });

  // ---- --test with MC dropout, n_it = 2, on the engine ----
  await page.getByRole('tab', { name: 'Results' }).click();
  await expect(page.getByRole('heading', { name: 'Results', exact: true })).toBeVisible();
  await expect(page.getByTestId('results-model')).toHaveValue(runFolder);
  await page.getByRole('radio', { name: /Open dataset: synthetic-bids/ }).check();
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
  await page.screenshot({ path: `${ARTIFACTS}/studio-4-results.png`, fullPage: true });

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
  // Every layer states a finite value range (a constant map, e.g. unc-cv of identical passes, too).
  await expect(page.getByTestId('layer').filter({ hasText: 'Infinity' })).toHaveCount(0);
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
  await page.screenshot({ path: `${ARTIFACTS}/studio-5-viewer.png`, fullPage: true });

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

  // ---- the exported config re-imports to the same forms and the same bytes ----
  await page.getByRole('tab', { name: 'Configuration' }).click();
  await page.getByTestId('config-file-input').setInputFiles({ name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(exported) });
  await expect(page.getByRole('heading', { name: 'Configuration: config.json' })).toBeVisible();
  await expect(page.getByTestId('config-migration')).toHaveCount(0);
  await expect(page.locator('[data-path="training_parameters.training_time.num_epochs"] input')).toHaveValue('2');
  await expect(page.locator('[data-path="model_name"] input')).toHaveValue('results_e2e_unet');
  const [again] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export config.json' }).click()]);
  expect(readFileSync((await again.path())!, 'utf8')).toBe(exported);

  // ---- a reload keeps the run: listed in the Training tab and offered as a model in Results ----
  await page.reload();
  await page.getByRole('tab', { name: 'Training' }).click();
  const run = page.locator(`[data-testid="run-row"][data-folder="${runFolder}"]`);
  await expect(run).toHaveAttribute('data-status', 'completed');
  await expect(run.getByTestId('run-epochs')).toHaveText('2 / 2');
  await page.screenshot({ path: `${ARTIFACTS}/studio-6-runs-after-reload.png`, fullPage: true });
  await page.getByRole('tab', { name: 'Results' }).click();
  await expect(page.getByTestId('results-model')).toHaveValue(runFolder);

  // ---- ivadomed's test dataset through the folder input; sub-unf01 in the Viewer ----
  if (haveData) {
    await page.getByRole('tab', { name: 'Dataset' }).click();
    await page.getByTestId('dataset-folder-input').setInputFiles(DATA);
    await expect(page.getByRole('heading', { name: 'Dataset: ivadomed-data-testing' })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('dataset-ready')).toBeVisible();
    await page.getByRole('button', { name: 'Open sub-unf01 T1w in the Viewer' }).click();
    await expect(page.getByRole('tab', { name: 'Viewer' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('crosshair-value')).toHaveCount(3, { timeout: 60_000 });
    await expect(page.getByTestId('niivue-viewer')).toHaveAttribute('data-loading', '');
    await page.getByRole('radio', { name: 'Axial' }).click();
    await page.waitForTimeout(300);
    const unf01 = await shoot(page.getByTestId('niivue-canvas'));
    expect(lumaVariance(unf01)).toBeGreaterThan(100);
    await page.screenshot({ path: `${ARTIFACTS}/studio-7-ivadomed-sub-unf01.png`, fullPage: true });
  } else {
    test.info().annotations.push({ type: 'skipped part', description: `ivadomed test data not found at ${DATA}` });
  }
  expect(errors).toEqual([]);
});

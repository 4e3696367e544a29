/**
 * Issue 8, done-when "a bundle saved in the browser loads in the CLI and segments the same volume
 * identically, and the reverse": the same model bundle segments the same image of the sample dataset
 * with onnxruntime-web on wasm in the CLI (Node) and in the studio (Chromium), and the two predictions
 * carry the same voxels.
 *
 * The sample dataset is the same data on both sides: the studio's "Sample dataset" is
 * generateSyntheticDataset() with default options, and the CLI reads writeSyntheticDataset(fs, {}).
 */
import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticTrainingConfig } from '../src/train/testing';
import { compareNifti, runCli, writeSampleDataset } from './cli';

const ARTIFACTS = 'e2e-artifacts';
/** The image both sides segment, and the prediction file name both write for it. */
const IMAGE = 'sub-01/anat/sub-01_T2w.nii.gz';
const PRED = 'pred_masks/sub-01_T2w_class-0_pred.nii.gz';

let work = '';
test.beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'bundle-parity-'));
  await writeSampleDataset(join(work, 'data'));
});
test.afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Studio: upload a bundle, segment IMAGE of the open sample dataset on ONNX wasm, download the outputs zip; returns the prediction's bytes. */
async function segmentInBrowser(page: Page, bundlePath: string, modelName: string, backend: 'onnx-wasm' | 'onnx-webgpu' | 'engine' = 'onnx-wasm', load = true): Promise<Uint8Array> {
  if (load) {
    await page.getByRole('tab', { name: 'Dataset' }).click();
    await page.getByRole('button', { name: 'Sample dataset' }).click();
    await expect(page.getByTestId('dataset-ready')).toBeVisible({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Results' }).click();
    await page.getByTestId('bundle-input').setInputFiles(bundlePath);
    await expect(page.getByTestId('results-model')).toHaveValue('bundle');
    await expect(page.getByTestId('bundle-info')).toContainText('with model.onnx');
    await page.getByRole('radio', { name: /Open dataset: synthetic-bids/ }).check();
    await page.getByRole('radio', { name: /Segment images/ }).check();
    await page.getByLabel('Image to segment').selectOption(IMAGE);
  }
  await page.getByLabel('Backend').selectOption(backend);
  await page.getByRole('button', { name: 'Segment' }).click();
  await expect(page.getByTestId('results-summary')).toHaveAttribute('data-kind', 'segment', { timeout: 300_000 });
  if (backend !== 'engine') {
    await expect(page.getByTestId('results-summary')).toContainText(`onnxruntime-web ${backend === 'onnx-wasm' ? 'wasm' : 'webgpu'}`, { ignoreCase: true });
    await expect(page.getByTestId('results-log')).toContainText("the bundle's model.onnx");
  }
  const downloading = page.waitForEvent('download', { timeout: 120_000 });
  await page.getByRole('button', { name: 'Download outputs (.zip)' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`${modelName}-segment-outputs.zip`);
  const zipPath = join(work, `${backend}-${download.suggestedFilename()}`);
  await download.saveAs(zipPath);
  const members = unzipSync(new Uint8Array(readFileSync(zipPath)));
  const member = `${modelName}/${PRED}`;
  expect(Object.keys(members)).toContain(member);
  return members[member];
}

/** CLI: --segment --bundle --onnx over the on-disk sample dataset; returns IMAGE's prediction bytes. */
function segmentInCli(bundlePath: string, outName: string): Uint8Array {
  const log = runCli(['--segment', '--bundle', bundlePath, '-pd', 'data', '-po', outName, '--onnx'], work);
  expect(log).toContain('sub-01_T2w');
  return new Uint8Array(readFileSync(join(work, outName, PRED)));
}

/**
 * The two predictions: same grid, a soft map, the same voxels (float32, within 1e-6) and the same
 * .nii.gz bytes. Both sides run the same onnxruntime-web wasm build and the same NIfTI writer, so they agree bit for bit.
 */
function expectSamePrediction(cli: Uint8Array, browser: Uint8Array, label: string) {
  const c = compareNifti(cli, browser);
  expect(c.shape[1]).toEqual(c.shape[0]);
  expect(c.datatype[1]).toBe(c.datatype[0]);
  expect(c.affine[1]).toEqual(c.affine[0]);
  expect(c.voxels).toBeGreaterThan(1000);
  expect(c.maxAbsDiff).toBeLessThanOrEqual(1e-6);
  const sameBytes = cli.length === browser.length && cli.every((b, i) => b === browser[i]);
  test.info().annotations.push({ type: label, description: `${c.voxels} voxels (${c.datatype[0]}), max |diff| ${c.maxAbsDiff}, identical voxels: ${c.identicalVoxels}, identical .nii.gz bytes: ${sameBytes}` });
  expect(sameBytes).toBe(true);
}

test('CLI -> browser: a bundle exported by the CLI segments sub-01 T2w identically in the studio (ONNX wasm)', async ({ page }) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // ---- CLI: train a tiny model (1 epoch, 2 batches), export the bundle, segment with --onnx ----
  const modelName = 'parity_cli_unet';
  const config = { ...syntheticTrainingConfig({ epochs: 1, nFilters: 4, depth: 2 }), model_name: modelName };
  writeFileSync(join(work, 'cli.json'), JSON.stringify(config));
  runCli(['--train', '-c', 'cli.json', '-pd', 'data', '-po', 'cli-train', '--max-batches', '2', '--cpu'], work);
  runCli(['--export-bundle', '-c', 'cli.json', '-po', 'cli-train'], work);
  const bundlePath = join(work, 'cli-train', `${modelName}.ivadomed-web.zip`);
  const cliPred = segmentInCli(bundlePath, 'cli-seg');

  // ---- studio: the same bundle, the same image ----
  await page.goto('/');
  const browserPred = await segmentInBrowser(page, bundlePath, modelName);
  writeFileSync(`${ARTIFACTS}/bundle-parity-cli-to-browser_pred.nii.gz`, browserPred);
  expectSamePrediction(cliPred, browserPred, 'cli-to-browser');
  expect(errors).toEqual([]);
});

test('browser -> CLI: a bundle downloaded from the studio segments sub-01 T2w identically in the CLI (ONNX wasm)', async ({ page }) => {
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');

  // ---- studio: train a tiny model (1 epoch, 2 batches) on the sample dataset, download its bundle ----
  const modelName = 'parity_browser_unet';
  await page.getByRole('tab', { name: 'Training' }).click();
  await page.getByRole('radio', { name: /Sample dataset/ }).check();
  const config = { ...syntheticTrainingConfig({ epochs: 1, nFilters: 4, depth: 2 }), model_name: modelName };
  await page.getByLabel('Import config.json').setInputFiles({ name: 'parity.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(config)) });
  await expect(page.getByTestId('config-summary')).toContainText('1 epoch');
  await page.getByLabel('Batches per epoch limit').fill('2');
  await page.getByRole('button', { name: 'Start training' }).click();
  const summary = page.getByTestId('train-summary');
  await expect(summary).toBeVisible({ timeout: 600_000 });
  await expect(summary).toHaveAttribute('data-reason', 'completed');
  const runFolder = (await summary.getAttribute('data-output'))!;
  await page.getByRole('tab', { name: 'Results' }).click();
  await expect(page.getByTestId('results-model')).toHaveValue(runFolder);
  const downloading = page.waitForEvent('download', { timeout: 120_000 });
  await page.getByRole('button', { name: 'Download model bundle' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`${modelName}.ivadomed-web.zip`);
  const bundlePath = join(work, download.suggestedFilename());
  await download.saveAs(bundlePath);
  expect(Object.keys(unzipSync(new Uint8Array(readFileSync(bundlePath))))).toContain('model.onnx');

  // ---- the studio segments with the downloaded bundle, the CLI with the same file ----
  const browserPred = await segmentInBrowser(page, bundlePath, modelName);
  const cliPred = segmentInCli(bundlePath, 'browser-bundle-seg');
  writeFileSync(`${ARTIFACTS}/bundle-parity-browser-to-cli_pred.nii.gz`, cliPred);
  expectSamePrediction(cliPred, browserPred, 'browser-to-cli');
  expect(errors).toEqual([]);
});

test('issue 8: onnxruntime-web on WebGPU in the browser matches the engine in the browser (relative error <= 1e-3)', async ({ page }) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const modelName = 'parity_webgpu_unet';
  const config = { ...syntheticTrainingConfig({ epochs: 1, nFilters: 4, depth: 2 }), model_name: modelName };
  writeFileSync(join(work, 'webgpu.json'), JSON.stringify(config));
  runCli(['--train', '-c', 'webgpu.json', '-pd', 'data', '-po', 'webgpu-train', '--max-batches', '2', '--cpu'], work);
  runCli(['--export-bundle', '-c', 'webgpu.json', '-po', 'webgpu-train'], work);
  const bundlePath = join(work, 'webgpu-train', `${modelName}.ivadomed-web.zip`);
  await page.goto('/');
  const engine = await segmentInBrowser(page, bundlePath, modelName, 'engine');
  const ort = await segmentInBrowser(page, bundlePath, modelName, 'onnx-webgpu', false);
  const c = compareNifti(engine, ort);
  expect(c.shape[1]).toEqual(c.shape[0]);
  expect(c.voxels).toBeGreaterThan(1000);
  // Soft maps in (0, 1): an absolute difference of 1e-3 bounds the relative error of values near 0.5.
  expect(c.maxAbsDiff).toBeLessThanOrEqual(1e-3);
  test.info().annotations.push({ type: 'ort-webgpu-vs-engine', description: `${c.voxels} voxels, max |diff| ${c.maxAbsDiff}` });
  expect(errors).toEqual([]);
});

/**
 * Training through the real UI: the Training tab trains the fast sample preset (2D U-Net) on the
 * synthetic sample in the GPU worker (WebGPU on SwiftShader) to validation Dice >= 0.9; pause,
 * resume and stop keep the checkpoint.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';

const ARTIFACTS = 'e2e-artifacts';

test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

async function openTraining(page: Page) {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Training' }).click();
  await expect(page.getByRole('heading', { name: 'Training', exact: true })).toBeVisible();
  await page.getByRole('radio', { name: /Sample dataset/ }).check();
  await page.getByLabel('Configuration').selectOption({ label: 'Sample: 2D U-Net (fast)' });
}

test('the fast sample preset trains the 2D U-Net to validation Dice >= 0.9 in the browser', async ({ page }) => {
  // SwiftShader: ~45 s per epoch on 2 idle CPUs, ~80 s when the machine is shared; 7 epochs.
  test.setTimeout(1_200_000);
  const errors = collectErrors(page);
  await openTraining(page);
  const epochs = Number((await page.getByTestId('config-summary').textContent())!.match(/(\d+) epochs/)![1]);
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'running');
  const summary = page.getByTestId('train-summary');
  await expect(summary).toBeVisible({ timeout: 1_140_000 });
  console.log(`[training e2e] ${epochs} epochs in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${await summary.textContent()}`);
  await expect(summary).toHaveAttribute('data-reason', 'completed');
  const dice = Number(await summary.getAttribute('data-best-dice'));
  expect(dice).toBeGreaterThanOrEqual(0.9);
  await expect(page.getByTestId('epoch-row')).toHaveCount(epochs);
  const chart = (title: string) => page.locator(`[data-testid="line-chart"][aria-label="${title}"] .line-chart-host`);
  await expect(page.getByTestId('line-chart')).toHaveCount(3);
  expect(Number(await chart('Loss and validation Dice per epoch').getAttribute('data-points'))).toBe(epochs);
  expect(Number(await chart('Training loss per batch').getAttribute('data-points'))).toBeGreaterThan(epochs);
  expect(Number(await chart('GPU memory held by the engine').getAttribute('data-points'))).toBeGreaterThan(1);
  // The validation slice of the last epoch, and the prediction a model at Dice >= 0.9 draws on it.
  const preview = page.getByTestId('validation-preview');
  await expect(preview).toHaveAttribute('data-epoch', String(epochs));
  expect(Number(await preview.getAttribute('data-dice'))).toBeGreaterThan(0.5);
  await expect(summary).toHaveAttribute('data-output', /^runs\/synthetic_unet-\d{8}-\d{6}$/);
  await page.screenshot({ path: `${ARTIFACTS}/training.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('pause, resume and stop: the run pauses between batches, resumes, and a stop keeps the checkpoint', async ({ page }) => {
  test.setTimeout(420_000);
  const errors = collectErrors(page);
  await openTraining(page);
  await page.getByRole('button', { name: 'Start training' }).click();
  const status = page.getByTestId('train-status');
  // After the first batch event: the batch progress bar has moved.
  await expect(page.getByRole('progressbar', { name: 'Epoch 1: training' })).toBeVisible({ timeout: 120_000 });
  await expect.poll(async () => Number(await page.getByTestId('progress').nth(1).getAttribute('data-value')), { timeout: 120_000 }).toBeGreaterThanOrEqual(1);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(status).toHaveAttribute('data-status', 'paused', { timeout: 60_000 });
  await expect(status).toContainText('Paused at epoch 1');
  // Paused means paused: no batch goes by.
  const batchAtPause = await page.getByTestId('progress').nth(1).getAttribute('data-value');
  await page.waitForTimeout(3000);
  expect(await page.getByTestId('progress').nth(1).getAttribute('data-value')).toBe(batchAtPause);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(status).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('epoch-row')).toHaveCount(1, { timeout: 180_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  const summary = page.getByTestId('train-summary');
  await expect(summary).toHaveAttribute('data-reason', 'stopped', { timeout: 120_000 });
  await expect(summary).toContainText(/checkpoint of epoch 1 was kept/);
  await expect(page.getByRole('button', { name: 'Continue from checkpoint' })).toBeVisible();
  // The checkpoint really is in the browser's private storage.
  const folder = (await summary.getAttribute('data-output'))!;
  const checkpoint = await page.evaluate(async (path) => {
    let dir = await navigator.storage.getDirectory();
    for (const part of path.split('/')) dir = await dir.getDirectoryHandle(part);
    const text = await (await (await dir.getFileHandle('checkpoint.json')).getFile()).text();
    const weights = await (await dir.getFileHandle('checkpoint.safetensors')).getFile();
    return { epoch: (JSON.parse(text) as { epoch: number }).epoch, weightBytes: weights.size };
  }, folder);
  expect(checkpoint.epoch).toBe(1);
  expect(checkpoint.weightBytes).toBeGreaterThan(76_465 * 4);
  await page.screenshot({ path: `${ARTIFACTS}/training-stopped.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('the dataset open in the Dataset tab trains too: the worker reads its files from the page', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = collectErrors(page);
  await page.goto('/');
  await page.getByRole('button', { name: 'Sample dataset' }).click();
  await expect(page.getByTestId('dataset-ready')).toBeVisible();
  await page.getByRole('tab', { name: 'Training' }).click();
  await page.getByRole('radio', { name: 'Open dataset: synthetic-bids' }).check();
  await page.getByLabel('Configuration').selectOption({ label: 'Sample: 2D U-Net (fast)' });
  await page.getByRole('button', { name: 'Start training' }).click();
  const status = page.getByTestId('train-status');
  // The split and slices come from the page's files: the same 48 / 32 items as the worker's own sample.
  await expect(status).toContainText('48 training / 32 validation items', { timeout: 120_000 });
  await expect(status).toContainText(/training batch [1-6] of 6/, { timeout: 120_000 });
  await expect(page.getByTestId('train-log')).toContainText('Dataset "synthetic-bids"');
  await page.getByRole('button', { name: 'Stop' }).click();
  const summary = page.getByTestId('train-summary');
  await expect(summary).toHaveAttribute('data-reason', 'stopped', { timeout: 120_000 });
  expect(errors).toEqual([]);
});

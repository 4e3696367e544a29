/**
 * Runs survive a page reload: a short training (2 batches per epoch) is stopped after epoch 1, the
 * page is reloaded, the Runs list shows the run as stopped with its checkpoint, Resume continues it
 * (the next epoch appears), a reload during that run leaves it interrupted (resumable), Compare overlays two runs' curves, Download zips the folder, Delete
 * removes it for good. While the training runs, requestAnimationFrame gaps of the page show that
 * the UI thread is not blocked (the GPU worker does the work).
 */
import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { mkdirSync, readFileSync } from 'node:fs';

const ARTIFACTS = 'e2e-artifacts';
test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

async function openTraining(page: Page) {
  await page.getByRole('tab', { name: 'Training' }).click();
  await expect(page.getByRole('heading', { name: 'Training', exact: true })).toBeVisible();
  await page.getByRole('radio', { name: /Sample dataset/ }).check();
  await page.getByLabel('Batches per epoch limit').fill('2');
}

/** Gaps (ms) between requestAnimationFrame callbacks of the page over `ms` milliseconds. */
async function frameGaps(page: Page, ms: number): Promise<number[]> {
  return page.evaluate((duration) => new Promise<number[]>((resolve) => {
    const times: number[] = [];
    const tick = (t: number) => {
      times.push(t);
      if (t - times[0] < duration) requestAnimationFrame(tick);
      else resolve(times.slice(1).map((v, i) => v - times[i]));
    };
    requestAnimationFrame(tick);
  }), ms);
}

function p95(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.ceil(0.95 * s.length) - 1];
}

async function checkpointEpoch(page: Page, folder: string): Promise<number> {
  return page.evaluate(async (path) => {
    let dir = await navigator.storage.getDirectory();
    for (const part of path.split('/')) dir = await dir.getDirectoryHandle(part);
    return (JSON.parse(await (await (await dir.getFileHandle('checkpoint.json')).getFile()).text()) as { epoch: number }).epoch;
  }, folder);
}

test('a stopped run survives a reload, resumes, compares, downloads and is deleted; the UI stays responsive while training', async ({ page }) => {
  test.setTimeout(360_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await openTraining(page);
  await expect(page.getByTestId('runs-empty')).toBeVisible();
  await page.getByLabel('Configuration').selectOption({ label: 'Sample: 2D U-Net (fast)' });
  await page.getByRole('button', { name: 'Start training' }).click();
  const status = page.getByTestId('train-status');
  await expect(status).toContainText(/training batch [12] of 2/, { timeout: 150_000 });

  // Frame-time check while the worker trains (batches and validation run meanwhile).
  const gaps = await frameGaps(page, 10_000);
  const stillTraining = await status.getAttribute('data-status');
  console.log(`[runs e2e] ${gaps.length} frames in 10 s: p95 gap ${p95(gaps).toFixed(1)} ms, max ${Math.max(...gaps).toFixed(1)} ms (status after: ${stillTraining})`);
  expect(stillTraining).toBe('running');
  expect(gaps.length).toBeGreaterThan(50);
  expect(p95(gaps)).toBeLessThan(100);
  expect(Math.max(...gaps)).toBeLessThan(500);
  await expect(page.getByTestId('frame-time')).toContainText(/UI frame time: p95 \d+ ms/);

  // The running run is listed as running (its folder is named by the page).
  const row = page.getByTestId('run-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('epoch-row')).toHaveCount(1, { timeout: 150_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  const summary = page.getByTestId('train-summary');
  await expect(summary).toHaveAttribute('data-reason', 'stopped', { timeout: 120_000 });
  const folder = (await summary.getAttribute('data-output'))!;
  const done = Number(await summary.getAttribute('data-epochs'));
  expect(done).toBeGreaterThanOrEqual(1);
  const name = folder.split('/').pop()!;

  // Reload: the run is still there, stopped, with its checkpoint.
  await page.reload();
  await openTraining(page);
  const listed = page.locator(`[data-testid="run-row"][data-folder="${folder}"]`);
  await expect(listed).toHaveAttribute('data-status', 'stopped');
  await expect(listed.getByTestId('run-epochs')).toHaveText(`${done} / 7`);
  await expect(listed.getByTestId('run-dice')).toContainText(/0\.\d{4}/);
  expect(await checkpointEpoch(page, folder)).toBe(done);

  // Resume: the next epoch appears after the checkpoint's rows.
  await page.getByRole('button', { name: `Resume ${name}` }).click();
  await expect(status).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('epoch-row')).toHaveCount(done, { timeout: 10_000 });
  await expect(page.locator(`[data-testid="epoch-row"][data-epoch="${done + 1}"]`)).toBeVisible({ timeout: 150_000 });
  const resumed = done + 1;
  // The resumed run writes into the same folder: its checkpoint moves on.
  await expect.poll(() => checkpointEpoch(page, folder), { timeout: 60_000 }).toBe(resumed);
  await expect(listed).toHaveAttribute('data-status', 'running');

  // A reload in the middle of a run (the worker dies with the page): the run is interrupted, resumable.
  await page.reload();
  await openTraining(page);
  await expect(listed).toHaveAttribute('data-status', 'interrupted');
  await expect(listed.getByTestId('run-epochs')).toHaveText(`${resumed} / 7`);
  await expect(page.getByRole('button', { name: `Resume ${name}` })).toBeEnabled();

  // Compare with a second run folder: this run's config and made-up curves over 3 epochs.
  const other = 'runs/synthetic_unet-20000101-000000';
  await page.evaluate(async ({ from, to }) => {
    const root = await navigator.storage.getDirectory();
    const runs = await root.getDirectoryHandle('runs');
    const src = await runs.getDirectoryHandle(from.split('/')[1]);
    const dst = await runs.getDirectoryHandle(to.split('/')[1], { create: true });
    const files: Record<string, string> = {
      'config_file.json': await (await (await src.getFileHandle('config_file.json')).getFile()).text(),
      'training_curves.csv': 'epoch,lr,train_loss,val_loss,dice_score,best\n1,0.025,-0.1,-0.2,0.3,1\n2,0.02,-0.3,-0.4,0.6,1\n3,0.01,-0.5,-0.6,0.8,1\n',
    };
    for (const [f, text] of Object.entries(files)) {
      const w = await (await dst.getFileHandle(f, { create: true })).createWritable();
      await w.write(text);
      await w.close();
    }
  }, { from: folder, to: other });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  await expect(page.locator(`[data-testid="run-row"][data-folder="${other}"]`)).toHaveAttribute('data-status', 'empty');
  await page.getByLabel(`Compare ${name}`).check();
  await page.getByLabel('Compare synthetic_unet-20000101-000000').check();
  const compare = page.getByTestId('runs-compare');
  await expect(compare.locator('.line-chart-host')).toHaveAttribute('data-points', String(Math.max(resumed, 3)));
  await expect(compare).toContainText(`${name} val Dice`);
  await page.screenshot({ path: `${ARTIFACTS}/runs.png`, fullPage: true });

  // Download: a zip of the folder with the checkpoint and the curves.
  const downloadP = page.waitForEvent('download');
  await page.getByRole('button', { name: `Download ${name}` }).click();
  const download = await downloadP;
  expect(download.suggestedFilename()).toBe(`${name}.zip`);
  const zip = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  expect(Object.keys(zip)).toEqual(expect.arrayContaining([`${name}/checkpoint.json`, `${name}/checkpoint.safetensors`, `${name}/training_curves.csv`, `${name}/run_record.json`, `${name}/config_file.json`]));
  expect((JSON.parse(new TextDecoder().decode(zip[`${name}/checkpoint.json`])) as { epoch: number }).epoch).toBe(resumed);

  // Delete (asks first): gone, and still gone after a reload.
  await page.getByRole('button', { name: `Delete ${name}` }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(listed).toBeVisible();
  await page.getByRole('button', { name: `Delete ${name}` }).click();
  await page.getByRole('button', { name: 'Yes, delete' }).click();
  await expect(listed).toHaveCount(0);
  await page.reload();
  await openTraining(page);
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await expect(listed).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a browser without WebGPU is told which browsers and flags give it, and that ONNX wasm still segments', async ({ page }) => {
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }));
  await page.goto('/');
  await page.getByRole('tab', { name: 'Training' }).click();
  const notice = page.getByTestId('webgpu-missing');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('Chrome or Edge 113+');
  await expect(notice).toContainText('Firefox Nightly');
  await expect(notice).toContainText('Safari 18 Technology Preview');
  await expect(notice).toContainText('ONNX Runtime (wasm, CPU)');
});

test('a lost GPU device is shown as such, and "Resume from the last checkpoint" continues the run on a new device', async ({ page }) => {
  test.setTimeout(480_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await openTraining(page);
  await page.getByLabel('Configuration').selectOption({ label: 'Sample: 2D U-Net (fast)' });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('epoch-row')).toHaveCount(1, { timeout: 240_000 });
  const folder = (await page.getByTestId('run-row').getAttribute('data-folder'))!;
  expect(await checkpointEpoch(page, folder)).toBe(1);

  // A real device loss: the worker destroys its GPUDevice (reason "destroyed"), as a driver reset would lose it.
  const destroyed = await page.evaluate(() => (window as unknown as { ivadomedWeb: { gpu: { destroyDevice(): Promise<boolean> } } }).ivadomedWeb.gpu.destroyDevice());
  expect(destroyed).toBe(true);
  const failure = page.getByTestId('train-error');
  await expect(failure).toHaveAttribute('data-kind', 'device-lost', { timeout: 60_000 });
  await expect(failure).toContainText('The GPU device was lost during training');
  await expect(page.getByTestId('train-error-message')).toContainText('destroyed');
  await page.screenshot({ path: `${ARTIFACTS}/training-device-lost.png`, fullPage: true });

  // Resume: a new device is acquired, the run continues in the same folder from epoch 1's checkpoint.
  await page.getByRole('button', { name: 'Resume from the last checkpoint' }).click();
  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-status', 'running');
  await expect(failure).toHaveCount(0);
  await expect(page.getByTestId('epoch-row')).toHaveCount(1);
  await expect(page.locator('[data-testid="epoch-row"][data-epoch="2"]')).toBeVisible({ timeout: 240_000 });
  await expect.poll(() => checkpointEpoch(page, folder), { timeout: 60_000 }).toBe(2);
  await page.getByRole('button', { name: 'Stop' }).click();
  const summary = page.getByTestId('train-summary');
  await expect(summary).toHaveAttribute('data-reason', 'stopped', { timeout: 120_000 });
  expect(await summary.getAttribute('data-output')).toBe(folder);
  expect(errors).toEqual([]);
});

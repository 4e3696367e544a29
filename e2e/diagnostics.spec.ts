import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';

const ARTIFACTS = 'e2e-artifacts';

test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

test('the studio shell shows its sections with honest empty states', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: /ivadomed-web/ })).toBeVisible();
  for (const name of ['Dataset', 'Configuration', 'Training', 'Viewer', 'Results', 'Diagnostics']) {
    await expect(page.getByRole('tab', { name })).toBeVisible();
  }
  await expect(page.getByRole('heading', { name: 'No dataset open' })).toBeVisible();
  await page.getByRole('tab', { name: 'Training' }).click();
  await expect(page.getByRole('heading', { name: 'No training run' })).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/shell.png`, fullPage: true });
});

test('the page gets a WebGPU adapter and a WebGL2 context, and a WGSL kernel returns the right numbers', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await page.getByRole('tab', { name: 'Diagnostics' }).click();

  const webgpu = page.getByTestId('webgpu-status');
  await expect(webgpu).toHaveAttribute('data-available', 'true');
  await expect(page.getByTestId('adapter-vendor')).not.toHaveText('');
  await expect(page.getByTestId('webgl2-status')).toHaveAttribute('data-available', 'true');

  const selftest = page.getByTestId('selftest');
  await expect(selftest).toHaveAttribute('data-ok', 'true');
  expect(Number(await selftest.getAttribute('data-n'))).toBe(100_000);
  expect(Number(await selftest.getAttribute('data-max-error'))).toBeLessThanOrEqual(1e-6);
  await page.screenshot({ path: `${ARTIFACTS}/diagnostics.png`, fullPage: true });

  // Independently of the app's own check: run the kernel from kernels/ with hand-worked values.
  const out = await page.evaluate(async () => {
    const api = (window as unknown as { ivadomedWeb: { gpu: { saxpy(a: number, x: number[], y: number[]): Promise<number[]> } } }).ivadomedWeb;
    return api.gpu.saxpy(3, [1, -2, 0.5, 4], [10, 10, 0, -12]);
  });
  expect(out).toEqual([13, 4, 1.5, 0]);
  expect(errors).toEqual([]);
});

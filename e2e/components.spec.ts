import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { lumaVariance, shoot } from './pixels';

const ARTIFACTS = 'e2e-artifacts';
test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

test('the live chart appends points without being rebuilt, follows its width, and progress shows an ETA', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize({ width: 1200, height: 900 });
  await page.goto('/?gallery');
  const host = page.locator('.line-chart-host');
  await expect.poll(async () => Number(await host.getAttribute('data-points'))).toBeGreaterThan(5);
  await expect(page.getByTestId('eta')).toHaveText(/\d+ s|min/);
  await expect(page.getByTestId('gpu-memory')).toContainText('MiB');
  await expect(host).toHaveAttribute('data-builds', '1');

  const canvas = host.locator('canvas');
  const before = (await canvas.boundingBox())!.width;
  await page.setViewportSize({ width: 800, height: 900 });
  await expect.poll(async () => (await canvas.boundingBox())!.width).toBeLessThan(before - 200);

  await expect.poll(async () => Number(await host.getAttribute('data-points')), { timeout: 30_000 }).toBe(40);
  await expect(host).toHaveAttribute('data-builds', '1');
  await expect(page.getByTestId('progress')).toContainText('40 / 40 epochs · 100%');
  expect(lumaVariance(await shoot(canvas))).toBeGreaterThan(20);
  // Legend shows the three series.
  for (const name of ['training loss', 'validation loss', 'validation Dice']) await expect(page.locator('.u-legend')).toContainText(name);
  await page.screenshot({ path: `${ARTIFACTS}/components.png`, fullPage: true });
  expect(errors).toEqual([]);
});

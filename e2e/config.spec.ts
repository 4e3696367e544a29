import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { parseConfig } from '../src/config/index';
import { lumaVariance, shoot } from './pixels';

const ARTIFACTS = 'e2e-artifacts';

test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

test('configuration: preset, inline validation, import with migrations, export round trip, transform preview', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/');
  await page.getByRole('tab', { name: 'Configuration' }).click();
  await expect(page.getByRole('region', { name: 'Configuration' })).toBeVisible();

  // Preset: ivadomed's 2D U-Net template, valid.
  await page.getByRole('group', { name: 'Presets' }).getByRole('button', { name: '2D U-Net', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Configuration: 2D U-Net' })).toBeVisible();
  await expect(page.getByTestId('config-status')).toHaveText('Valid configuration');
  const batch = page.locator('[data-path="training_parameters.batch_size"]');
  await expect(batch.locator('input')).toHaveValue('18');

  // An invalid value: the message next to the field names the key.
  await batch.locator('input').fill('0');
  await expect(batch.getByTestId('field-error')).toContainText('training_parameters.batch_size: got 0; must be an integer >= 1');
  await expect(batch.locator('input')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('config-status')).toHaveText('1 error');
  await expect(page.locator('details[data-section="training_parameters"] summary')).toContainText('1 error');
  await page.screenshot({ path: `${ARTIFACTS}/config-error.png`, fullPage: false });
  await batch.locator('input').fill('4');
  await expect(batch.getByTestId('field-error')).toHaveCount(0);
  await expect(page.getByTestId('config-status')).toHaveText('Valid configuration');

  // The loss select shows that loss's keyword arguments.
  const loss = page.locator('[data-path="training_parameters.loss.name"] select');
  await loss.selectOption('FocalLoss');
  await expect(page.locator('[data-path="training_parameters.loss.gamma"]')).toBeVisible();

  // Model sections: one applied at a time.
  await page.locator('details[data-section="model"] > summary').click();
  await page.getByRole('switch', { name: 'HeMISUnet applied' }).check();
  await expect(page.locator('[data-testid="model-variant"][data-applied="true"]')).toHaveCount(1);
  await page.getByRole('switch', { name: 'FiLMedUnet applied' }).check();
  await expect(page.locator('[data-testid="model-variant"][data-applied="true"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="model-variant"][data-applied="true"]')).toHaveAttribute('data-path', 'FiLMedUnet');
  await page.getByRole('switch', { name: 'FiLMedUnet applied' }).uncheck();

  // Import an old config.json: migrations shown, unknown keys reported, the forms on the new names.
  const old = {
    command: 'train',
    gpu: 0,
    loader_parameters: { bids_path: ['data'], target_suffix: ['_seg-manual'], contrast_params: { training_validation: ['T2w'], testing: ['T2w'], balance: {} } },
    training_parameters: { batch_size: 8, loss: { name: 'DiceLoss' }, training_time: { num_epochs: 3, early_stopping_patience: 5, early_stopping_epsilon: 0.001 } },
    default_model: { name: 'Unet', dropout_rate: 0.3, bn_momentum: 0.1, depth: 3 },
    UNet3D: { applied: true, length_3D: [48, 48, 16], stride_3D: [48, 48, 16], attention: false },
    transformation: { CenterCrop: { size: [48, 48, 16] }, NumpyToTensor: {}, NormalizeInstance: { applied_to: ['im'] } },
  };
  await page.getByTestId('config-file-input').setInputFiles({ name: 'old_config.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(old)) });
  await expect(page.getByRole('heading', { name: 'Configuration: old_config.json' })).toBeVisible();
  const migrations = page.getByTestId('config-migration');
  await expect(migrations.filter({ hasText: 'UNet3D renamed to Modified3DUNet' })).toHaveCount(1);
  await expect(migrations.filter({ hasText: 'loader_parameters.bids_path renamed to loader_parameters.path_data' })).toHaveCount(1);
  await expect(migrations.filter({ hasText: 'NumpyToTensor: removed' })).toHaveCount(1);
  await expect(page.locator('[data-testid="model-variant"][data-path="Modified3DUNet"]')).toHaveAttribute('data-applied', 'true');
  await expect(page.locator('[data-testid="unknown-key"][data-path="gpu"]')).toContainText('unknown key');
  await expect(page.getByTestId('config-status')).toContainText('warning');

  // Export: the downloaded file parses, keeps the unknown key, and round-trips through import.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export config.json' }).click()]);
  expect(download.suggestedFilename()).toBe('config.json');
  const exported = readFileSync(await download.path(), 'utf8');
  const parsed = parseConfig(exported);
  expect(parsed.errors).toEqual([]);
  expect(parsed.migrations).toEqual([]);
  expect(parsed.config.training_parameters.batch_size).toBe(8);
  expect((parsed.config as unknown as Record<string, unknown>).Modified3DUNet).toMatchObject({ applied: true, length_3D: [48, 48, 16] });
  expect((parsed.config as unknown as Record<string, unknown>).gpu).toBe(0);
  expect(Object.keys(parsed.config.transformation)).toEqual(['CenterCrop', 'NormalizeInstance']);
  await page.getByTestId('config-file-input').setInputFiles({ name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(exported) });
  await expect(page.getByRole('heading', { name: 'Configuration: config.json' })).toBeVisible();
  await expect(page.getByTestId('config-migration')).toHaveCount(0);
  const [again] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export config.json' }).click()]);
  expect(readFileSync(await again.path(), 'utf8')).toBe(exported);

  // A config.json dropped on the panel is imported too (the page-wide drop zone leaves it alone).
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File([JSON.stringify({ log_directory: 'old_output', default_model: { name: 'Unet', depth: 2 } })], 'dropped.json', { type: 'application/json' }));
    document.querySelector('section.config-panel')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await expect(page.getByRole('heading', { name: 'Configuration: dropped.json' })).toBeVisible();
  await expect(page.getByTestId('config-migration')).toHaveText(['log_directory renamed to path_output']);
  await expect(page.locator('[data-path="path_output"] input')).toHaveValue('old_output');
  await expect(page.getByRole('tab', { name: 'Configuration' })).toHaveAttribute('aria-selected', 'true');

  // Transform preview: the 2D U-Net preset's training pipeline, one non-blank canvas per transform.
  await page.getByRole('group', { name: 'Presets' }).getByRole('button', { name: '2D U-Net', exact: true }).click();
  const names = ['Resample', 'CenterCrop', 'RandomAffine', 'ElasticTransform', 'NormalizeInstance'];
  await expect(page.locator('[data-testid="transformation-entry"]')).toHaveCount(names.length);
  const steps = page.getByTestId('preview-step');
  await expect(steps).toHaveCount(names.length);
  for (let i = 0; i < names.length; i++) await expect(steps.nth(i)).toHaveAttribute('data-name', names[i]!);
  await expect(page.getByTestId('transform-preview').getByRole('alert')).toHaveCount(0);
  const canvases = page.getByTestId('preview-canvas');
  await expect(canvases).toHaveCount(names.length);
  await canvases.first().scrollIntoViewIfNeeded();
  for (let i = 0; i < names.length; i++) {
    const shot = await shoot(canvases.nth(i));
    expect(lumaVariance(shot), `canvas of ${names[i]}`).toBeGreaterThan(50);
  }

  await page.getByTestId('transform-preview').screenshot({ path: `${ARTIFACTS}/config-preview.png` });

  // Removing a transform removes its step; adding one adds it.
  await page.getByRole('button', { name: 'Remove ElasticTransform' }).click();
  await expect(steps).toHaveCount(names.length - 1);
  await page.getByRole('combobox', { name: 'transforms to add' }).selectOption('RandomGamma');
  await page.getByRole('button', { name: 'Add transform' }).click();
  await expect(steps).toHaveCount(names.length);
  await expect(steps.last()).toHaveAttribute('data-name', 'RandomGamma');
  await page.locator('[data-testid="transformation-list"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${ARTIFACTS}/config.png`, fullPage: true });
  expect(errors).toEqual([]);
});

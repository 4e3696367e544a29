/**
 * The real command line as a child process (`node bin/ivadomed-web.mjs ...`): a full --train on the
 * synthetic dataset written to a temporary folder (val Dice >= 0.9, ivadomed's output layout on disk,
 * a valid training_curves.png, the log file), --train on ivadomed-data-testing's sub-unf01 from
 * test/configs/unf01_train.json, and the usage / config errors with their exit codes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import { createNodeSource, writeSyntheticDataset } from '../data/node';
import { hasIvadomedTestData, IVADOMED_TEST_DATA } from '../data/testdata';
import { syntheticTrainingConfig } from '../train/testing';
import { CURVES_SIZE } from './curves_png';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin/ivadomed-web.mjs');

interface CliRun { code: number | null; stdout: string; stderr: string }

function runCli(args: string[], timeoutMs = 60_000): Promise<CliRun> {
  return runCliEnv(args, {}, timeoutMs);
}

function runCliEnv(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // The environment is inherited: VK_ICD_FILENAMES / IVADOMED_WEB_ICD pick the same driver as the tests.
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += String(d); });
    child.stderr.on('data', (d) => { stderr += String(d); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`CLI timed out after ${timeoutMs} ms:\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/** The summary's "Validation Dice at the best epoch: 0.9712" as a number (NaN for "n/a"). */
function reportedDice(stdout: string): number {
  const m = /Validation Dice at the best epoch: (\S+)/.exec(stdout);
  if (!m) throw new Error(`no Dice line in:\n${stdout}`);
  return Number(m[1]);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ivadomed-web-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeConfig(name: string, config: unknown): string {
  const file = path.join(tmp, name);
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return file;
}

describe('ivadomed-web usage and config errors', () => {
  it('-h lists every option and exits 0', async () => {
    const r = await runCli(['-h']);
    expect(r.code).toBe(0);
    for (const flag of ['--train', '--test', '--segment', '-c, --config', '-pd, --path-data', '-po, --path-output', '--resume-training',
      '-t, --thr-increment', '-g, --gif', '--no-patch', '--overlap-2d', '--cpu', '--seed', '--max-batches', '-h, --help']) {
      expect(r.stdout, flag).toContain(flag);
    }
  });

  it('missing -c, no command, two commands, unknown option: usage error, exit 2', async () => {
    const noConfig = await runCli(['--train']);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toMatch(/Missing -c\/--config/);
    expect(noConfig.stderr).toMatch(/Usage: ivadomed-web --train\|--test\|--segment -c config\.json/);
    const noCommand = await runCli(['-c', 'x.json']);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/one of --train, --test or --segment/);
    const two = await runCli(['--train', '--test', '-c', 'x.json']);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/only one of .*got --train --test/);
    const unknown = await runCli(['--train', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
  });

  it('an invalid config exits 2 and names each key, its value and what is allowed', async () => {
    const raw = syntheticTrainingConfig();
    (raw.training_parameters as Record<string, unknown>).batch_size = -2;
    (raw.loader_parameters as Record<string, unknown>).slice_axis = 'axail';
    const file = writeConfig('invalid.json', raw);
    const r = await runCli(['--train', '-c', file, '-po', path.join(tmp, 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has 2 errors/);
    expect(r.stderr).toMatch(/training_parameters\.batch_size: got -2; must be/);
    expect(r.stderr).toMatch(/loader_parameters\.slice_axis: got "axail"/);
    expect(existsSync(path.join(tmp, 'never'))).toBe(false);
    const broken = await runCli(['--train', '-c', writeConfig('broken.json', '{"command": "train",,}')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/not valid JSON at line 1/);
  });

  it('--resume-training without a checkpoint, several -pd folders, a missing data folder: clear errors, exit 2', async () => {
    const file = writeConfig('ok.json', syntheticTrainingConfig({ epochs: 1 }));
    const resume = await runCli(['--train', '-c', file, '-pd', tmp, '-po', path.join(tmp, 'empty-out'), '--resume-training']);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/--resume-training: .*empty-out has no checkpoint\.json/);
    const several = await runCli(['--train', '-c', file, '-pd', tmp, os.tmpdir(), '-po', path.join(tmp, 'o')]);
    expect(several.code).toBe(2);
    expect(several.stderr).toMatch(/path_data lists 2 folders .* one dataset folder for now/);
    const missing = await runCli(['--train', '-c', file, '-pd', path.join(tmp, 'no-such-data'), '-po', path.join(tmp, 'o')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-such-data is not a folder/);
  });
});

describe('ivadomed-web without a GPU driver', () => {
  it('names the Vulkan driver problem, suggests --cpu, logs it, exits 1', async () => {
    const data = path.join(tmp, 'empty-data');
    mkdirSync(data, { recursive: true });
    const out = path.join(tmp, 'no-adapter-out');
    const file = writeConfig('noadapter.json', syntheticTrainingConfig({ epochs: 1 }));
    const r = await runCliEnv(['--train', '-c', file, '-pd', data, '-po', out], { VK_ICD_FILENAMES: path.join(tmp, 'no-such-icd.json') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No WebGPU adapter: Dawn found no usable GPU through the Vulkan driver .*no-such-icd\.json/);
    expect(r.stderr).toMatch(/--cpu/);
    expect(readFileSync(path.join(out, 'log'), 'utf8')).toMatch(/\| ERROR {3}\| No WebGPU adapter/);
  });
});

describe('ivadomed-web --train', async () => {
  const acquired = await testDevice();

  it.skipIf(!acquired)('trains the synthetic dataset from a config file: val Dice >= 0.9, outputs on disk, curves PNG, log', async () => {
    const data = path.join(tmp, 'synthetic');
    await writeSyntheticDataset(createNodeSource(data, { writable: true }));
    const raw = syntheticTrainingConfig({ epochs: 12, lr: 0.02 });
    const file = writeConfig('synthetic.json', raw);
    const out = path.join(tmp, 'synthetic-out');
    const r = await runCli(['--train', '-c', file, '-pd', data, '-po', out], 280_000);
    expect(r.code, r.stderr).toBe(0);
    const dice = reportedDice(r.stdout);
    console.log(`[cli] synthetic: reported val Dice ${dice}`);
    expect(dice).toBeGreaterThanOrEqual(0.9);
    expect(r.stdout).toMatch(/Training completed: 12 epochs/);
    expect(r.stdout).toContain(`Model folder: ${path.join(out, 'synthetic_unet')}`);
    for (const f of ['config_file.json', 'split_datasets.json', 'best_model.safetensors', 'final_model.safetensors', 'checkpoint.json',
      'synthetic_unet/synthetic_unet.safetensors', 'synthetic_unet/synthetic_unet.json', 'training_curves.csv', 'training_curves.png', 'run_record.json', 'log']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    // The printed Dice is the run record's.
    const record = JSON.parse(readFileSync(path.join(out, 'run_record.json'), 'utf8'));
    expect(record.bestValDice).toBeCloseTo(dice, 4);
    expect(record.epochs).toHaveLength(12);
    const csv = readFileSync(path.join(out, 'training_curves.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(13);
    const png = decode(readFileSync(path.join(out, 'training_curves.png')));
    expect([png.width, png.height, png.channels]).toEqual([CURVES_SIZE.width, CURVES_SIZE.height, 4]);
    // The log file holds the same epoch lines and the summary.
    const log = readFileSync(path.join(out, 'log'), 'utf8');
    expect(log).toMatch(/\| INFO {4}\| Epoch 12\/12: train loss/);
    expect(log).toContain(`Validation Dice at the best epoch: ${dice.toFixed(4)}`);
    // Not a TTY: plain lines, no cursor control.
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout).toMatch(/progress: epoch 12\/12 \(100%\)/);
  }, 300_000);

  it.skipIf(!acquired || !hasIvadomedTestData)(
    "trains on ivadomed-data-testing's sub-unf01 (T1w + T2w, seg-manual) from test/configs/unf01_train.json and reports validation Dice",
    async () => {
      const out = path.join(tmp, 'unf01-out');
      const r = await runCli(['--train', '-c', 'test/configs/unf01_train.json', '-pd', IVADOMED_TEST_DATA, '-po', out], 170_000);
      expect(r.code, r.stderr).toBe(0);
      const dice = reportedDice(r.stdout);
      console.log(`[cli] sub-unf01: reported val Dice ${dice}`);
      expect(Number.isFinite(dice)).toBe(true);
      expect(dice).toBeGreaterThanOrEqual(0);
      expect(dice).toBeLessThanOrEqual(1);
      expect(r.stdout).toMatch(/Split read from .*unf01_split\.json/);
      // T1w trains, T2w validates: 16 axial slices each after Resample + CenterCrop [64, 64].
      expect(r.stdout).toMatch(/16 training and 16 validation slices/);
      const split = JSON.parse(readFileSync(path.join(out, 'split_datasets.json'), 'utf8'));
      expect(split).toEqual({ train: ['sub-unf01_T1w.nii.gz'], valid: ['sub-unf01_T2w.nii.gz'], test: [] });
      expect(existsSync(path.join(out, 'unf01_unet/unf01_unet.safetensors'))).toBe(true);
      expect(existsSync(path.join(out, 'training_curves.png'))).toBe(true);
    },
    180_000,
  );
});

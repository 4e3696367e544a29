/**
 * The real command line as a child process (`node bin/ivadomed-web.mjs ...`): a full --train on the
 * synthetic dataset written to a temporary folder (val Dice >= 0.9, ivadomed's output layout on disk,
 * a valid training_curves.png, the log file, the ONNX export), --train on ivadomed-data-testing's
 * sub-unf01 from test/configs/unf01_train.json, and the usage / config errors with their exit codes.
 * The trained models are reused (each training runs once per file, memoized) by the inference tests:
 * --test writes predictions on the source image's grid (affine and shape) and the metrics CSV, on the
 * synthetic dataset and on sub-unf01; --export-bundle, then --segment with --bundle gives the bytes of
 * --segment with the model folder; --onnx (onnxruntime-web wasm) matches the engine within 1e-3.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import { readBundle } from '../bundle/index';
import { readNifti, type NiftiVolume } from '../data/index';
import { createNodeSource, writeSyntheticDataset } from '../data/node';
import { hasIvadomedTestData, IVADOMED_TEST_DATA } from '../data/testdata';
import { onnxMetadata } from '../onnx/index';
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

/** fn's promise, started on the first call and shared by later ones (a training reused by several tests). */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => (p ??= fn());
}

/** The 12-epoch synthetic training (the --train test checks it; the inference tests use its model). */
const SYNTH = {
  data: path.join(tmp, 'synthetic'),
  out: path.join(tmp, 'synthetic-out'),
  config: path.join(tmp, 'synthetic.json'),
  model: path.join(tmp, 'synthetic-out', 'synthetic_unet'),
};
const trainSynthetic = once(async () => {
  await writeSyntheticDataset(createNodeSource(SYNTH.data, { writable: true }));
  writeConfig('synthetic.json', syntheticTrainingConfig({ epochs: 12, lr: 0.02 }));
  return runCli(['--train', '-c', SYNTH.config, '-pd', SYNTH.data, '-po', SYNTH.out], 280_000);
});

const UNF01_OUT = path.join(tmp, 'unf01-out');
const trainUnf01 = once(() => runCli(['--train', '-c', 'test/configs/unf01_train.json', '-pd', IVADOMED_TEST_DATA, '-po', UNF01_OUT, '-g', '2', '-t', '0.1'], 170_000));

function nifti(file: string): NiftiVolume {
  return readNifti(readFileSync(file), path.basename(file));
}

/** A prediction overlays its source image: same affine (to float precision), same spatial shape. */
function expectOnGridOf(pred: NiftiVolume, source: NiftiVolume): void {
  expect(pred.shape.slice(0, 3)).toEqual(source.shape.slice(0, 3));
  pred.affine.forEach((v, i) => expect(v, `affine[${i}]`).toBeCloseTo(source.affine[i], 5));
}

/** evaluation_3Dmetrics.csv as rows of column -> value. */
function readCsv(file: string): Array<Record<string, string>> {
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])));
}

describe('ivadomed-web usage and config errors', () => {
  it('-h lists every option and exits 0', async () => {
    const r = await runCli(['-h']);
    expect(r.code).toBe(0);
    for (const flag of ['--train', '--test', '--segment', '-c, --config', '-pd, --path-data', '-po, --path-output', '--resume-training',
      '-t, --thr-increment', '-g, --gif', '--no-patch', '--overlap-2d', '--cpu', '--seed', '--max-batches', '--export-bundle', '--bundle <file>',
      '--model <folder>', '--onnx', '-h, --help']) {
      expect(r.stdout, flag).toContain(flag);
    }
  });

  it('missing -c, no command, two commands, unknown option: usage error, exit 2', async () => {
    const noConfig = await runCli(['--train']);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toMatch(/Missing -c\/--config/);
    expect(noConfig.stderr).toMatch(/Usage: ivadomed-web --train\|--test\|--segment\|--export-bundle -c config\.json/);
    const noCommand = await runCli(['-c', 'x.json']);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/one of --train, --test, --segment or --export-bundle/);
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
    // Two datasets with the same subjects: the shared image is named, nothing runs.
    for (const d of ['ds-a', 'ds-b']) await writeSyntheticDataset(createNodeSource(path.join(tmp, d), { writable: true }), { subjects: 1 });
    const several = await runCli(['--train', '-c', file, '-pd', path.join(tmp, 'ds-a'), path.join(tmp, 'ds-b'), '-po', path.join(tmp, 'o')]);
    expect(several.code).toBe(2);
    expect(several.stderr).toMatch(/share image files: sub-01\/anat\/sub-01_T1w\.nii\.gz \(in ds-a and ds-b\)/);
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

  it.skipIf(!acquired)('trains the synthetic dataset from a config file: val Dice >= 0.9, outputs on disk, curves PNG, log, ONNX', async () => {
    const out = SYNTH.out;
    const r = await trainSynthetic();
    expect(r.code, r.stderr).toBe(0);
    const dice = reportedDice(r.stdout);
    console.log(`[cli] synthetic: reported val Dice ${dice}`);
    expect(dice).toBeGreaterThanOrEqual(0.9);
    expect(r.stdout).toMatch(/Training completed: 12 epochs/);
    expect(r.stdout).toContain(`Model folder: ${path.join(out, 'synthetic_unet')}`);
    for (const f of ['config_file.json', 'split_datasets.json', 'best_model.safetensors', 'final_model.safetensors', 'checkpoint.json',
      'synthetic_unet/synthetic_unet.safetensors', 'synthetic_unet/synthetic_unet.json', 'synthetic_unet/synthetic_unet.onnx', 'training_curves.csv',
      'training_curves.png', 'run_record.json', 'log']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    // ivadomed packages the ONNX beside the weights; the preprocessing travels in its metadata.
    const meta = onnxMetadata(readFileSync(path.join(out, 'synthetic_unet/synthetic_unet.onnx')));
    expect(meta.model_class).toBe('Unet');
    expect(meta.slice_axis).toBe('axial');
    expect(JSON.parse(meta.transforms)).toEqual({ NormalizeInstance: { applied_to: ['im'] } });
    expect(JSON.parse(meta.target_suffix)).toEqual(['_seg-manual']);
    expect(JSON.parse(meta.preprocessing)).toMatchObject({ contrasts: { testing: ['T2w'] }, in_channel: 1, out_channel: 1 });
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
      const out = UNF01_OUT;
      const r = await trainUnf01();
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
      // -t 0.1: the threshold chosen on the validation image is saved in both config files.
      const thr = Number(/binarize_prediction\.thr = ([\d.]+)/.exec(r.stdout)?.[1]);
      expect(thr).toBeGreaterThan(0);
      expect(thr).toBeLessThan(1);
      expect(readFileSync(path.join(out, 'results_eval/threshold_analysis.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 9);
      expect([...readFileSync(path.join(out, 'results_eval/threshold_analysis.png')).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
      for (const f of ['config_file.json', 'unf01_unet/unf01_unet.json']) {
        expect(JSON.parse(readFileSync(path.join(out, f), 'utf8')).postprocessing.binarize_prediction.thr, f).toBe(thr);
      }
      // -g 2: two GIFs of validation (T2w) slices, 64x64 upscaled by 2 plus the epoch bar.
      const gifs = readdirSync(path.join(out, 'gifs')).sort();
      expect(gifs).toHaveLength(2);
      for (const g of gifs) {
        expect(g).toMatch(/^sub-unf01__T2w__\d+\.gif$/);
        const head = readFileSync(path.join(out, 'gifs', g)).subarray(0, 10);
        expect([head.toString('latin1', 0, 6), head[6] | (head[7] << 8), head[8] | (head[9] << 8)]).toEqual(['GIF89a', 128, 132]);
      }
    },
    180_000,
  );
});

describe('ivadomed-web --test, --export-bundle, --bundle, --onnx on the trained synthetic model', async () => {
  const acquired = await testDevice();
  const seg = (name: string) => path.join(tmp, name);
  const predNames = () => readdirSync(path.join(seg('seg-folder'), 'pred_masks')).sort();

  beforeAll(async () => {
    if (!acquired) return;
    const r = await trainSynthetic();
    if (r.code !== 0) throw new Error(`the synthetic training failed:\n${r.stderr}`);
  }, 300_000);

  it.skipIf(!acquired)('--test writes predictions on the source grid (affine, shape) and a metrics CSV row per test image', async () => {
    const r = await runCli(['--test', '-c', SYNTH.config, '-pd', SYNTH.data, '-po', SYNTH.out], 90_000);
    expect(r.code, r.stderr).toBe(0);
    const split = JSON.parse(readFileSync(path.join(SYNTH.out, 'split_datasets.json'), 'utf8')) as { test: string[] };
    expect(split.test.length).toBeGreaterThan(0);
    const rows = readCsv(path.join(SYNTH.out, 'results_eval/evaluation_3Dmetrics.csv'));
    expect(rows.map((row) => row.image_id).sort()).toEqual(split.test.map((f) => f.replace('.nii.gz', '')).sort());
    for (const file of split.test) {
      const id = file.replace('.nii.gz', '');
      const source = nifti(path.join(SYNTH.data, id.split('_')[0], 'anat', file));
      expectOnGridOf(nifti(path.join(SYNTH.out, 'pred_masks', `${id}_pred.nii.gz`)), source);
    }
    // On the right voxels, too: a flipped or shifted prediction would not reach this Dice.
    for (const row of rows) expect(Number(row.dice_class0), row.image_id).toBeGreaterThanOrEqual(0.8);
    expect(r.stdout).toMatch(/Test mean Dice: 0\.\d{4}/);
  }, 100_000);

  it.skipIf(!acquired)('--export-bundle packs the model folder with run record and model.onnx into path_output', async () => {
    const r = await runCli(['--export-bundle', '-c', SYNTH.config, '-po', SYNTH.out], 60_000);
    expect(r.code, r.stderr).toBe(0);
    const file = path.join(SYNTH.out, 'synthetic_unet.ivadomed-web.zip');
    expect(r.stdout).toContain(`Model bundle written: ${file}`);
    const bundle = await readBundle(new Uint8Array(readFileSync(file)));
    expect([...bundle.members.keys()]).toEqual(['bundle.json', 'config.json', 'weights.safetensors', 'run_record.json', 'model.onnx']);
    expect(Buffer.compare(bundle.weights, readFileSync(path.join(SYNTH.model, 'synthetic_unet.safetensors')))).toBe(0);
    expect(bundle.runRecord?.split).toEqual(JSON.parse(readFileSync(path.join(SYNTH.out, 'split_datasets.json'), 'utf8')));
    const meta = onnxMetadata(bundle.onnx!);
    expect(JSON.parse(meta.model_spec)).toEqual(bundle.spec);
    expect(meta.slice_axis).toBe('axial');
    // --model: the same bundle from the folder alone, written beside it.
    const again = await runCli(['--export-bundle', '--model', SYNTH.model, '-po', seg('bundle-again')], 60_000);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(path.join(seg('bundle-again'), 'synthetic_unet.ivadomed-web.zip'))).toBe(true);
  }, 130_000);

  it.skipIf(!acquired)('--segment with --bundle (its own config) writes the bytes of --segment with the model folder', async () => {
    const zip = path.join(SYNTH.out, 'synthetic_unet.ivadomed-web.zip');
    expect(existsSync(zip), 'the --export-bundle test runs first').toBe(true);
    const folder = await runCli(['--segment', '-c', SYNTH.config, '--model', SYNTH.model, '-pd', SYNTH.data, '-po', seg('seg-folder')], 90_000);
    expect(folder.code, folder.stderr).toBe(0);
    const bundled = await runCli(['--segment', '--bundle', zip, '-pd', SYNTH.data, '-po', seg('seg-bundle')], 90_000);
    expect(bundled.code, bundled.stderr).toBe(0);
    expect(bundled.stdout).toMatch(/Model bundle: .*synthetic_unet\.ivadomed-web\.zip \(synthetic_unet, Unet, best epoch \d+\)/);
    const names = predNames();
    expect(names).toEqual(['sub-01', 'sub-02', 'sub-03', 'sub-04', 'sub-05', 'sub-06'].map((s) => `${s}_T2w_class-0_pred.nii.gz`));
    expect(readdirSync(path.join(seg('seg-bundle'), 'pred_masks')).sort()).toEqual(names);
    for (const n of names) {
      const a = readFileSync(path.join(seg('seg-folder'), 'pred_masks', n));
      const b = readFileSync(path.join(seg('seg-bundle'), 'pred_masks', n));
      expect(Buffer.compare(a, b), n).toBe(0);
    }
    expectOnGridOf(nifti(path.join(seg('seg-folder'), 'pred_masks', names[0])), nifti(path.join(SYNTH.data, 'sub-01/anat/sub-01_T2w.nii.gz')));
  }, 200_000);

  it.skipIf(!acquired)('--segment --onnx (onnxruntime-web wasm) matches the engine: soft maps within 1e-3, identical masks at 0.5', async () => {
    expect(existsSync(path.join(seg('seg-folder'), 'pred_masks')), 'the --bundle test runs first').toBe(true);
    const r = await runCli(['--segment', '-c', SYNTH.config, '--model', SYNTH.model, '-pd', SYNTH.data, '-po', seg('seg-onnx'), '--onnx'], 90_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Backend: onnxruntime-web \(wasm\)/);
    expect(r.stdout).toMatch(/ONNX model: .*synthetic_unet\.onnx/);
    let foreground = 0;
    for (const n of predNames()) {
      const engine = nifti(path.join(seg('seg-folder'), 'pred_masks', n));
      const ort = nifti(path.join(seg('seg-onnx'), 'pred_masks', n));
      expect(ort.shape).toEqual(engine.shape);
      expect([...ort.affine]).toEqual([...engine.affine]);
      let maxDiff = 0, maskDiff = 0;
      for (let i = 0; i < engine.data.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(engine.data[i] - ort.data[i]));
        if ((engine.data[i] >= 0.5) !== (ort.data[i] >= 0.5)) maskDiff++;
        if (engine.data[i] >= 0.5) foreground++;
      }
      expect(maxDiff, n).toBeLessThan(1e-3);
      expect(maskDiff, n).toBe(0);
    }
    // The comparison has something to compare: soft maps with a segmented cord, not all-zero.
    expect(foreground).toBeGreaterThan(100);
  }, 100_000);

  it.skipIf(!acquired)("--test --bundle --onnx into a fresh folder: the split comes from the bundle's run record, predictions match the engine's", async () => {
    const zip = path.join(SYNTH.out, 'synthetic_unet.ivadomed-web.zip');
    const engineCsv = path.join(SYNTH.out, 'results_eval/evaluation_3Dmetrics.csv');
    expect(existsSync(zip) && existsSync(engineCsv), 'the --test and --export-bundle tests run first').toBe(true);
    const out = seg('test-bundle-onnx');
    const r = await runCli(['--test', '--bundle', zip, '-pd', SYNTH.data, '-po', out, '--onnx'], 90_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/split_datasets\.json written from the bundle's run record \(test: 1 file\(s\)\)/);
    expect(r.stdout).toMatch(/ONNX model: the bundle's model\.onnx/);
    expect(JSON.parse(readFileSync(path.join(out, 'split_datasets.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(path.join(SYNTH.out, 'split_datasets.json'), 'utf8')));
    const [engineRow] = readCsv(engineCsv);
    const [ortRow] = readCsv(path.join(out, 'results_eval/evaluation_3Dmetrics.csv'));
    expect(ortRow.image_id).toBe(engineRow.image_id);
    expect(Number(ortRow.dice_class0)).toBeCloseTo(Number(engineRow.dice_class0), 3);
    const engine = nifti(path.join(SYNTH.out, 'pred_masks', `${engineRow.image_id}_pred.nii.gz`));
    const ort = nifti(path.join(out, 'pred_masks', `${engineRow.image_id}_pred.nii.gz`));
    let maxDiff = 0;
    for (let i = 0; i < engine.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(engine.data[i] - ort.data[i]));
    expect(maxDiff).toBeLessThan(1e-3);
  }, 100_000);
});

describe("ivadomed-web --test on ivadomed-data-testing's sub-unf01", async () => {
  const acquired = await testDevice();

  it.skipIf(!acquired || !hasIvadomedTestData)('writes sub-unf01_T2w_pred.nii.gz on the source grid (affine, shape) and its metrics CSV row', async () => {
    const trained = await trainUnf01();
    expect(trained.code, trained.stderr).toBe(0);
    // The training split has no test image (one subject): test on the validation contrast, T2w.
    writeFileSync(path.join(UNF01_OUT, 'split_datasets.json'), JSON.stringify({ train: ['sub-unf01_T1w.nii.gz'], valid: ['sub-unf01_T2w.nii.gz'], test: ['sub-unf01_T2w.nii.gz'] }));
    const r = await runCli(['--test', '-c', 'test/configs/unf01_train.json', '-pd', IVADOMED_TEST_DATA, '-po', UNF01_OUT], 90_000);
    expect(r.code, r.stderr).toBe(0);
    const source = nifti(path.join(IVADOMED_TEST_DATA, 'sub-unf01/anat/sub-unf01_T2w.nii.gz'));
    const pred = nifti(path.join(UNF01_OUT, 'pred_masks/sub-unf01_T2w_pred.nii.gz'));
    // CenterCrop 64x64 (and Resample) are undone: back on the 131x141x16 source grid with its oblique affine.
    expectOnGridOf(pred, source);
    expect(pred.data.some((v) => v > 0), 'the prediction is not empty').toBe(true);
    const rows = readCsv(path.join(UNF01_OUT, 'results_eval/evaluation_3Dmetrics.csv'));
    expect(rows.map((row) => row.image_id)).toEqual(['sub-unf01_T2w']);
    const dice = Number(rows[0].dice_class0);
    expect(dice).toBeGreaterThanOrEqual(0);
    expect(dice).toBeLessThanOrEqual(1);
  }, 280_000);
});

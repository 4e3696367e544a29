/** Argument parsing (ivadomed's flags, -pd/-po included) and --segment's patch options. */
import { describe, expect, it } from 'vitest';
import type { IvadomedConfig } from '../config/index';
import { CliError } from './errors';
import { applyPatchOptions } from './infer';
import { normalizeArgv, parseArgs } from './main';

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } } };
};

function usageError(argv: string[]): CliError {
  try {
    parseArgs(argv, io().io);
  } catch (e) {
    if (e instanceof CliError) return e;
    throw e;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('normalizeArgv', () => {
  it('maps ivadomed two-letter flags to their long forms and leaves the rest', () => {
    expect(normalizeArgv(['--train', '-pd', 'a', 'b', '-po=out', '-c', 'f.json', '-p'])).toEqual(['--train', '--path-data', 'a', 'b', '--path-output=out', '-c', 'f.json', '-p']);
  });
});

describe('parseArgs', () => {
  it('reads every option', () => {
    const a = parseArgs(['--segment', '-c', 'f.json', '-pd', 'd1', '-po', 'o', '--overlap-2d', '8', '4', '--no-patch', '-t', '0.1', '-g', '2', '--seed', '3', '--cpu', '--max-batches', '5'], io().io);
    expect(a).toEqual({
      command: 'segment', config: 'f.json', pathData: ['d1'], pathOutput: 'o', resumeTraining: false, thrIncrement: 0.1, gif: 2, noPatch: true,
      overlap2d: [8, 4], cpu: true, seed: 3, maxBatches: 5, onnx: false,
    });
    const t = parseArgs(['--train', '--config', 'c.json', '--resume-training'], io().io);
    expect(t).toMatchObject({ command: 'train', config: 'c.json', resumeTraining: true, noPatch: false, cpu: false });
  });

  it('reads --export-bundle, --bundle, --model and --onnx; -c is optional where the bundle or folder says it all', () => {
    expect(parseArgs(['--export-bundle', '-c', 'c.json', '-po', 'o'], io().io)).toMatchObject({ command: 'export-bundle', config: 'c.json', pathOutput: 'o', onnx: false });
    expect(parseArgs(['--export-bundle', '--model', 'o/m'], io().io)).toMatchObject({ command: 'export-bundle', config: undefined, model: 'o/m' });
    expect(parseArgs(['--segment', '--bundle', 'm.ivadomed-web.zip', '-pd', 'd', '--onnx'], io().io))
      .toMatchObject({ command: 'segment', config: undefined, bundle: 'm.ivadomed-web.zip', pathData: ['d'], onnx: true });
    expect(parseArgs(['--test', '-c', 'c.json', '--model', 'o/m', '--onnx'], io().io)).toMatchObject({ command: 'test', model: 'o/m', onnx: true });
  });

  it('-h prints help and says so', () => {
    const c = io();
    expect(parseArgs(['-h'], c.io)).toBe('help');
    expect(c.out.join('')).toContain('-pd, --path-data <folders...>');
  });

  it('usage errors carry exit code 2 and say what is wrong', () => {
    expect(usageError(['--test', '-c', 'f', '--resume-training'])).toMatchObject({ exitCode: 2, message: '--resume-training goes with --train.' });
    expect(usageError(['--test', '-c', 'f', '-t', 'abc']).message).toBe('-t/--thr-increment: got "abc"; must be a number.');
    expect(usageError(['--segment', '-c', 'f', '--overlap-2d', '8']).message).toMatch(/--overlap-2d takes two numbers \(X Y\), got 1/);
    expect(usageError(['--train', '-c', 'f', '--max-batches', '0']).message).toMatch(/--max-batches: got 0; must be >= 1/);
    expect(usageError(['--train']).message).toMatch(/^Missing -c\/--config/);
    expect(usageError(['--train', 'extra', '-c', 'f']).exitCode).toBe(2);
  });

  it('refuses the model-exchange flags where they do not apply', () => {
    expect(usageError(['--export-bundle']).message).toMatch(/^--export-bundle needs -c\/--config <file> .* or --model <folder>/);
    expect(usageError(['--segment', '--onnx']).message).toMatch(/^Missing -c\/--config <file>: .*or --bundle <file\.zip>/);
    expect(usageError(['--train', '-c', 'f', '--onnx']).message).toMatch(/^--onnx goes with --segment or --test/);
    expect(usageError(['--export-bundle', '-c', 'f', '--bundle', 'b.zip']).message).toMatch(/^--bundle goes with --segment or --test/);
    expect(usageError(['--train', '-c', 'f', '--model', 'm']).message).toMatch(/^--model goes with/);
    expect(usageError(['--segment', '--bundle', 'b.zip', '--model', 'm']).message).toMatch(/either --bundle <file\.zip> or --model <folder>/);
    expect(usageError(['--segment', '--export-bundle', '-c', 'f']).message).toMatch(/only one of .*got --segment --export-bundle/);
  });
});

describe('applyPatchOptions (ivadomed --segment)', () => {
  const config = () => ({ default_model: { name: 'Unet', length_2D: [32, 48], stride_2D: [32, 48] } }) as unknown as IvadomedConfig;

  it('--overlap-2d X Y: stride = length - [Y, X]', () => {
    const c = config();
    applyPatchOptions(c, { overlap2d: [8, 4] });
    expect((c.default_model as unknown as Record<string, unknown>).stride_2D).toEqual([28, 40]);
  });

  it('--no-patch drops the 2D patching; impossible overlaps are refused', () => {
    const c = config();
    applyPatchOptions(c, { noPatch: true });
    expect(c.default_model).toEqual({ name: 'Unet' });
    expect(() => applyPatchOptions(config(), { overlap2d: [48, 0] })).toThrow(/stride would be \[32,0\]/);
    expect(() => applyPatchOptions({ default_model: { name: 'Unet' } } as unknown as IvadomedConfig, { overlap2d: [1, 1] })).toThrow(/needs a model trained on 2D patches/);
  });
});

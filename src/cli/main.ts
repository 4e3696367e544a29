/**
 * ivadomed-web's command line, with ivadomed's flags:
 *   ivadomed-web --train|--test|--segment -c config.json [-pd path_data...] [-po path_output]
 *                [--resume-training] [-t step] [-g n] [--no-patch] [--overlap-2d X Y]
 * plus --cpu, --seed and --max-batches, and the model exchange of ivadomed-web:
 *   ivadomed-web --export-bundle (-c config.json [-po path_output] | --model <folder>)
 *   ivadomed-web --segment|--test --bundle <file.zip> [-c config.json] [--onnx]
 * main() parses, dispatches and returns the exit code: 0 done, 1 failed, 2 usage or config error,
 * 130 interrupted.
 */
import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT } from './errors';
import type { CliIO } from './train';

/** ivadomed's two-letter short flags, which commander (one letter per short flag) cannot declare. */
const TWO_LETTER_FLAGS: Record<string, string> = { '-pd': '--path-data', '-po': '--path-output' };

export function normalizeArgv(argv: readonly string[]): string[] {
  return argv.map((a) => {
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const long = TWO_LETTER_FLAGS[flag];
    return long ? (eq > 0 ? `${long}${a.slice(eq)}` : long) : a;
  });
}

function number(name: string, integer: boolean) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw new CliError(`${name}: got "${v}"; must be ${integer ? 'an integer' : 'a number'}.`, EXIT.usage);
    }
    return n;
  };
}

export const COMMANDS = ['train', 'test', 'segment', 'export-bundle'] as const;
export type CliCommand = (typeof COMMANDS)[number];

export interface ParsedArgs {
  command: CliCommand;
  /** The config file; optional for --test/--segment with --bundle and for --export-bundle with --model. */
  config?: string;
  pathData?: string[];
  pathOutput?: string;
  resumeTraining: boolean;
  thrIncrement?: number;
  gif?: number;
  noPatch: boolean;
  overlap2d?: [number, number];
  cpu: boolean;
  seed?: number;
  maxBatches?: number;
  /** --bundle: a model bundle (<model_name>.ivadomed-web.zip) for --test / --segment. */
  bundle?: string;
  /** --model: a trained model folder (<path_output>/<model_name>). */
  model?: string;
  /** --onnx: forward passes through onnxruntime-web (wasm) instead of the engine. */
  onnx: boolean;
}

export function buildProgram(io: CliIO): Command {
  const program = new Command('ivadomed-web')
    .description('Train, test and apply ivadomed segmentation models with WebGPU (Dawn) in Node, from ivadomed config files.')
    .usage('--train|--test|--segment|--export-bundle -c config.json [-pd path_data] [-po path_output] [options]')
    .option('--train', 'train a model (command "train")')
    .option('--test', 'test a trained model on the test split (command "test")')
    .option('--segment', 'segment the images of path_data with a trained model (command "segment")')
    .option('--export-bundle', 'pack a trained model (weights, config, ONNX, run record) into path_output/<model_name>.ivadomed-web.zip')
    .option('-c, --config <file>', 'ivadomed config file (JSON)')
    .option('--path-data <folders...>', 'BIDS dataset folder(s) (overrides loader_parameters.path_data; several are read as one dataset)')
    .option('--path-output <folder>', 'output folder (overrides path_output)')
    .option('--resume-training', 'continue an interrupted training from path_output/checkpoint.json', false)
    .option('-t, --thr-increment <step>', 'threshold analysis step, e.g. 0.1 (--test)', number('-t/--thr-increment', false))
    .option('-g, --gif <n>', '--train: GIFs of N random validation slices, the prediction at each epoch, in path_output/gifs/', number('-g/--gif', true))
    .option('--no-patch', 'segment whole images even if the model was trained on 2D patches (--segment)')
    .option('--overlap-2d <x y...>', 'patch overlap in pixels along X and Y (--segment)')
    .addOption(new Option('--cpu', 'run on the CPU backend instead of WebGPU (slow; for machines without a GPU driver)').default(false))
    .option('--seed <n>', 'random seed of weights, augmentation and sampling (default split_dataset.random_seed)', number('--seed', true))
    .option('--max-batches <n>', 'at most n training batches per epoch (quick trial runs)', number('--max-batches', true))
    .option('--bundle <file>', 'segment/test with the model of a bundle (<model_name>.ivadomed-web.zip); its config unless -c is given')
    .option('--model <folder>', 'the trained model folder (<path_output>/<model_name>) to export or to segment/test with')
    .option('--onnx', 'run the model with onnxruntime-web (wasm) instead of the engine (--segment, --test)', false)
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', [
      '',
      'Exit codes: 0 done, 1 failed, 2 usage or config error, 130 interrupted (Ctrl-C).',
      'Ctrl-C during --train stops after the current batch and keeps the last checkpoint; press it again to quit at once.',
      'Examples:',
      '  ivadomed-web --train -c config.json -pd data/ -po results/',
      '  ivadomed-web --train -c config.json -po results/ --resume-training',
      '  ivadomed-web --export-bundle -c config.json -po results/',
      '  ivadomed-web --segment --bundle results/my_model.ivadomed-web.zip -pd new_data/ -po predictions/ [--onnx]',
      'See docs/cli.md.',
    ].join('\n'))
    .configureHelp({
      optionTerm: (opt) => {
        const short = Object.entries(TWO_LETTER_FLAGS).find(([, long]) => long === opt.long)?.[0];
        return short ? `${short}, ${opt.flags}` : opt.flags;
      },
    })
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .allowExcessArguments(false);
  return program;
}

/** Parsed and checked arguments; CliError (exit 2) on a usage error. */
export function parseArgs(argv: readonly string[], io: CliIO): ParsedArgs | 'help' {
  const program = buildProgram(io);
  try {
    program.parse(normalizeArgv(argv), { from: 'user' });
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return 'help';
      // commander already printed its message.
      throw new CliError('', EXIT.usage);
    }
    throw err;
  }
  const o = program.opts<{
    train?: boolean; test?: boolean; segment?: boolean; config?: string; pathData?: string[]; pathOutput?: string; resumeTraining: boolean;
    thrIncrement?: number; gif?: number; patch: boolean; overlap2d?: string[]; cpu: boolean; seed?: number; maxBatches?: number;
    exportBundle?: boolean; bundle?: string; model?: string; onnx: boolean;
  }>();
  const given = { train: o.train, test: o.test, segment: o.segment, 'export-bundle': o.exportBundle };
  const commands = COMMANDS.filter((c) => given[c]);
  const usage = `Usage: ${program.name()} ${program.usage()} (see --help)`;
  if (commands.length !== 1) {
    const list = '--train, --test, --segment or --export-bundle';
    throw new CliError(`${commands.length === 0 ? `Give one of ${list}` : `Give only one of ${list} (got ${commands.map((c) => `--${c}`).join(' ')})`}.\n${usage}`, EXIT.usage);
  }
  const command = commands[0]!;
  const inference = command === 'test' || command === 'segment';
  if (o.bundle !== undefined && !inference) throw new CliError('--bundle goes with --segment or --test (--export-bundle writes a bundle; it reads a model folder).', EXIT.usage);
  if (o.onnx && !inference) throw new CliError('--onnx goes with --segment or --test (--train exports <model_name>/<model_name>.onnx by itself).', EXIT.usage);
  if (o.model !== undefined && command === 'train') throw new CliError('--model goes with --export-bundle, --segment or --test.', EXIT.usage);
  if (o.bundle !== undefined && o.model !== undefined) throw new CliError('Give either --bundle <file.zip> or --model <folder>, not both: each names the model to use.', EXIT.usage);
  if (!o.config) {
    if (command === 'export-bundle' && o.model === undefined) {
      throw new CliError(`--export-bundle needs -c/--config <file> (the training's config: path_output and model_name) or --model <folder>.\n${usage}`, EXIT.usage);
    }
    if (inference && o.bundle === undefined) {
      throw new CliError(`Missing -c/--config <file>: the ivadomed config file to run (or --bundle <file.zip>, whose config is used).\n${usage}`, EXIT.usage);
    }
    if (command === 'train') throw new CliError(`Missing -c/--config <file>: the ivadomed config file to run.\n${usage}`, EXIT.usage);
  }
  let overlap2d: [number, number] | undefined;
  if (o.overlap2d) {
    if (o.overlap2d.length !== 2) throw new CliError(`--overlap-2d takes two numbers (X Y), got ${o.overlap2d.length}.`, EXIT.usage);
    const toInt = number('--overlap-2d', true);
    overlap2d = [toInt(o.overlap2d[0]!), toInt(o.overlap2d[1]!)];
  }
  if (o.resumeTraining && command !== 'train') throw new CliError('--resume-training goes with --train.', EXIT.usage);
  if (o.maxBatches !== undefined && o.maxBatches < 1) throw new CliError(`--max-batches: got ${o.maxBatches}; must be >= 1.`, EXIT.usage);
  return {
    command, config: o.config, pathData: o.pathData, pathOutput: o.pathOutput, resumeTraining: o.resumeTraining, thrIncrement: o.thrIncrement,
    gif: o.gif, noPatch: !o.patch, overlap2d, cpu: o.cpu, seed: o.seed, maxBatches: o.maxBatches, bundle: o.bundle, model: o.model, onnx: o.onnx,
  };
}

export async function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  try {
    const args = parseArgs(argv, io);
    if (args === 'help') return EXIT.ok;
    // Loaded on demand: -h and usage errors answer without loading the engine and the models.
    if (args.command === 'train') {
      const { runTrainCommand } = await import('./train');
      return await runTrainCommand({
        config: args.config!, pathData: args.pathData, pathOutput: args.pathOutput, resume: args.resumeTraining, cpu: args.cpu, seed: args.seed,
        maxBatchesPerEpoch: args.maxBatches, gif: args.gif, thrIncrement: args.thrIncrement,
      }, io);
    }
    if (args.command === 'export-bundle') {
      const { runExportBundleCommand } = await import('./export_bundle');
      return await runExportBundleCommand({ config: args.config, pathOutput: args.pathOutput, model: args.model }, io);
    }
    const { runInferCommand } = await import('./infer');
    return await runInferCommand({
      command: args.command, config: args.config, pathData: args.pathData, pathOutput: args.pathOutput, cpu: args.cpu, seed: args.seed,
      thrIncrement: args.thrIncrement, noPatch: args.noPatch, overlap2d: args.overlap2d, gif: args.gif, bundle: args.bundle, model: args.model,
      onnx: args.onnx,
    }, io);
  } catch (err) {
    if (err instanceof CliError) {
      if (err.message) io.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    return EXIT.failure;
  }
}

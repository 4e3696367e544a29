import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESET_IDS, getPreset, parseConfig, parseHyperparameterGrid, parsePreset, presetConfig, resolveModelParams, serializeConfig } from '..';

const DATA = path.resolve(__dirname, '../../../../shared/data/ivadomed-data-testing');
const hasData = existsSync(path.join(DATA, 'model_config.json'));
const read = (f: string) => readFileSync(path.join(DATA, f), 'utf8');

describe('presets', () => {
  it.each(PRESET_IDS)('%s validates with no error and no warning', (id) => {
    const r = parsePreset(id);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.migrations).toEqual([]);
  });

  it('select the intended architecture', () => {
    const u = resolveModelParams(presetConfig('unet2d'));
    expect([u.name, u.is_2d, u.depth, u.in_channel, u.out_channel]).toEqual(['Unet', true, 3, 1, 1]);
    const f = resolveModelParams(presetConfig('filmedunet'));
    expect([f.name, f.params.film_layers]).toEqual(['FiLMedUnet', [0, 1, 0, 0, 0, 0, 0, 0]]);
    const h = resolveModelParams(presetConfig('hemisunet'));
    expect([h.name, h.depth, h.in_channel]).toEqual(['HeMISUnet', 2, 3]);
    const m = resolveModelParams(presetConfig('modified3dunet'));
    expect([m.name, m.is_2d, m.params.length_3D, m.params.n_filters]).toEqual(['Modified3DUNet', false, [128, 128, 16], 8]);
  });

  it('getPreset returns a fresh copy each time', () => {
    const a = getPreset('unet2d');
    (a.file.training_parameters as Record<string, unknown>).batch_size = 1;
    expect((getPreset('unet2d').file.training_parameters as Record<string, unknown>).batch_size).toBe(18);
  });
});

describe('model resolution (main.set_model_params)', () => {
  it('out_channel adds a background channel for several targets; in_channel follows the command\'s contrasts', () => {
    const c = parseConfig({
      loader_parameters: { multichannel: true, target_suffix: ['_seg-manual', '_lesion-manual'], contrast_params: { training_validation: ['T1w', 'T2w'], testing: ['T1w', 'T2w'] } },
    }).config;
    const r = resolveModelParams(c, 'train');
    expect([r.in_channel, r.out_channel, r.folder_name]).toEqual([2, 3, 'my_model']);
  });

  it('Modified3DUNet + FiLMedUnet is a FiLM-conditioned Modified3DUNet', () => {
    const c = parseConfig({
      Modified3DUNet: { applied: true, length_3D: [32, 32, 16], stride_3D: [32, 32, 16] },
      FiLMedUnet: { applied: true, metadata: 'contrasts', film_layers: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
    }).config;
    const r = resolveModelParams(c);
    expect([r.name, r.sections, r.params.film_layers]).toEqual(['Modified3DUNet', ['Modified3DUNet', 'FiLMedUnet'], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]]);
  });

  it('throws on several applied sections', () => {
    const c = parseConfig({ resnet18: { applied: true }, densenet121: { applied: true } }).config;
    expect(() => resolveModelParams(c)).toThrow('Several models are selected in the configuration (resnet18, densenet121): set "applied": true in only one.');
  });
});

describe('round trip', () => {
  const cases: [string, () => string | object][] = [
    ...PRESET_IDS.map((id): [string, () => object] => [`preset ${id}`, () => getPreset(id).file]),
    ['old-style file with unknown keys', () => ({ gpu: 3, log_directory: 'x', training_parameters: { balance_samples: true, foo: 1 }, transformation: { NumpyToTensor: {}, Resample: { hspace: 1, wspace: 1 } } })],
  ];
  if (hasData) cases.push(['ivadomed-data-testing/model_config.json', () => read('model_config.json')]);

  it.each(cases)('%s: parse(serialize(parse(x))) equals parse(x)', (_name, make) => {
    const first = parseConfig(make());
    const text = serializeConfig(first.config);
    const second = parseConfig(text);
    expect(second.config).toEqual(first.config);
    expect(JSON.stringify(second.config)).toBe(JSON.stringify(first.config)); // key order too
    expect(second.errors).toEqual(first.errors);
    expect(second.migrations).toEqual([]);
    const minimal = parseConfig(serializeConfig(first.config, { omitDefaults: true }));
    expect(minimal.config).toEqual(first.config);
  });

  it('writes 4-space JSON by default and keeps the order of transformations', () => {
    const text = serializeConfig(presetConfig('unet2d'));
    expect(text.startsWith('{\n    "command": "train",')).toBe(true);
    expect(Object.keys(JSON.parse(text).transformation)).toEqual(['Resample', 'CenterCrop', 'RandomAffine', 'ElasticTransform', 'NormalizeInstance']);
  });

  it('omitDefaults writes only what differs from config_default.json', () => {
    const c = parseConfig({ training_parameters: { batch_size: 4 }, default_model: { depth: 3 } }).config;
    expect(JSON.parse(serializeConfig(c, { omitDefaults: true }))).toEqual({ training_parameters: { batch_size: 4 } });
  });
});

describe.skipIf(!hasData)(hasData ? 'ivadomed-data-testing config files' : `ivadomed-data-testing config files (SKIPPED: ${DATA} not found)`, () => {
  it.each(['model_config.json', 'model_config_test.json'])('%s parses with no error', (file) => {
    const r = parseConfig(read(file));
    expect(r.errors).toEqual([]);
    // The files predate ivadomed 2.9: the warnings name every stale key (listed in docs/config.md).
    expect(r.warnings.map((w) => w.path)).toEqual([
      'loader_parameters.contrast_params.random_seed',
      'loader_parameters.contrast_params.center_test',
      'loader_parameters.roi_suffix',
      'loader_parameters.split_method',
      'loader_parameters.soft_input',
      'default_model.out_channel',
      'evaluation_parameters.targetSize',
      'gpu',
      'missing_modality',
      'attention_unet',
      'mixup_bool',
      'metadata',
      'FiLMedUnet.film_layers',
    ]);
    expect(r.config.transformation).not.toHaveProperty('NumpyToTensor');
    expect(r.config.training_parameters.balance_samples).toEqual({ applied: false, type: 'gt' });
    expect(r.config.loader_parameters.target_suffix).toEqual(['_lesion-manual']);
    expect(r.config.postprocessing.uncertainty?.suffix).toBe('_unc-vox.nii.gz');
    expect(Object.keys(r.config.transformation)).toEqual(
      file === 'model_config.json' ? ['Resample', 'ElasticTransform', 'RandomAffine', 'CenterCrop', 'NormalizeInstance'] : ['Resample', 'NormalizeInstance'],
    );
  });

  it('model_config_test.json: old command "eval" becomes "test"', () => {
    expect(parseConfig(read('model_config_test.json')).config.command).toBe('test');
  });

  it('automate_training_data.json: the base config and every expected config parse with no error', () => {
    const file = JSON.parse(read('automate_training_data.json')) as Record<string, unknown>;
    const configs = [
      file.initial_config,
      ...(file.expected_config_list_all_combin as unknown[]),
      ...(file.expected_config_list_neither as unknown[]),
      ...(file.expected_config_list_multi_params as unknown[]),
    ];
    expect(configs.length).toBe(1 + 24 + 9 + 2);
    for (const c of configs) {
      const r = parseConfig(c as object);
      expect(r.errors).toEqual([]);
      expect(r.warnings.filter((w) => w.message.includes('unknown'))).toEqual([]);
    }
    expect(parseConfig(file.initial_config as object).config.gpu_ids).toEqual([1]);
  });

  it('hyperparameter_opt.json is a sweep grid: each candidate batch size is valid', () => {
    const r = parseHyperparameterGrid(read('hyperparameter_opt.json'));
    expect(r.errors).toEqual([]);
    expect(r.parameters).toEqual([{ path: 'training_parameters.batch_size', values: [2, 4] }]);
  });
});

describe('hyper-parameter grids', () => {
  it('validates each candidate like a config value', () => {
    const r = parseHyperparameterGrid({
      training_parameters: { batch_size: [2, 0], loss: [{ name: 'DiceLoss' }, { name: 'FocalLoss', gamma: 0.2, alpha: 0.5 }, { name: 'Focal' }] },
      default_model: { depth: [2, 3, 4], dept: [1] },
      gpu_ids: [[2], [5]],
    });
    expect(r.parameters.map((p) => p.path)).toEqual(['training_parameters.batch_size', 'training_parameters.loss', 'default_model.depth', 'gpu_ids']);
    expect(r.errors.map((e) => e.message)).toEqual([
      'training_parameters.batch_size[1]: got 0; must be an integer >= 1',
      'training_parameters.loss[2].name: got "Focal"; must be one of "DiceLoss", "MultiClassDiceLoss", "BinaryCrossEntropyLoss", "FocalLoss", "FocalDiceLoss", "GeneralizedDiceLoss", "TverskyLoss", "FocalTverskyLoss", "L2loss", "AdapWingLoss", "LossCombination" (did you mean "FocalLoss"?)',
    ]);
    expect(r.warnings.map((w) => w.message)).toEqual(['default_model.dept: unknown key, not a config parameter; did you mean "depth"?']);
  });
});

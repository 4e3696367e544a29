import { describe, expect, it } from 'vitest';
import { IVADOMED_DEFAULTS, describeKey, parseConfig } from '..';

/** INVENTORY §a.2, typed in by hand from the table (not derived from defaults.ts). */
const A2: [string, unknown][] = [
  ['command', 'train'],
  ['gpu_ids', [0]],
  ['path_output', 'path_output'],
  ['model_name', 'my_model'],
  ['debugging', false],
  ['log_file', 'log'],
  ['object_detection_params.object_detection_path', null],
  ['object_detection_params.safety_factor', [1.0, 1.0, 1.0]],
  ['wandb.wandb_api_key', ''],
  ['wandb.project_name', 'my_project'],
  ['wandb.group_name', 'my_group'],
  ['wandb.run_name', 'run-1'],
  ['wandb.log_grads_every', 100],
  ['loader_parameters.path_data', ['path_data']],
  ['loader_parameters.subject_selection', { n: [], metadata: [], value: [] }],
  ['loader_parameters.target_suffix', []],
  ['loader_parameters.extensions', []],
  ['loader_parameters.roi_params.suffix', null],
  ['loader_parameters.roi_params.slice_filter_roi', null],
  ['loader_parameters.contrast_params.training_validation', []],
  ['loader_parameters.contrast_params.testing', []],
  ['loader_parameters.contrast_params.balance', {}],
  ['loader_parameters.slice_filter_params.filter_empty_mask', false],
  ['loader_parameters.slice_filter_params.filter_empty_input', true],
  ['loader_parameters.patch_filter_params.filter_empty_mask', false],
  ['loader_parameters.patch_filter_params.filter_empty_input', false],
  ['loader_parameters.slice_axis', 'axial'],
  ['loader_parameters.multichannel', false],
  ['loader_parameters.soft_gt', false],
  ['loader_parameters.is_input_dropout', false],
  ['split_dataset.fname_split', null],
  ['split_dataset.random_seed', 6],
  ['split_dataset.split_method', 'participant_id'],
  ['split_dataset.data_testing', { data_type: null, data_value: [] }],
  ['split_dataset.balance', null],
  ['split_dataset.train_fraction', 0.6],
  ['split_dataset.test_fraction', 0.2],
  ['training_parameters.batch_size', 18],
  ['training_parameters.loss', { name: 'DiceLoss' }],
  ['training_parameters.training_time.num_epochs', 100],
  ['training_parameters.training_time.early_stopping_patience', 50],
  ['training_parameters.training_time.early_stopping_epsilon', 0.001],
  ['training_parameters.scheduler.initial_lr', 0.001],
  ['training_parameters.scheduler.lr_scheduler', { name: 'CosineAnnealingLR', base_lr: 1e-5, max_lr: 1e-2 }],
  ['training_parameters.balance_samples', { applied: false, type: 'gt' }],
  ['training_parameters.mixup_alpha', null],
  ['training_parameters.transfer_learning', { retrain_model: null, retrain_fraction: 1.0, reset: true }],
  ['default_model.name', 'Unet'],
  ['default_model.dropout_rate', 0.3],
  ['default_model.bn_momentum', 0.1],
  ['default_model.depth', 3],
  ['default_model.is_2d', true],
  ['uncertainty', { epistemic: false, aleatoric: false, n_it: 0 }],
  ['postprocessing', {}],
  ['evaluation_parameters.object_detection_metrics', true],
  ['transformation', {}],
];

function at(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

describe('defaults (INVENTORY §a.2)', () => {
  const empty = parseConfig({});

  it('an empty file resolves to config_default.json without errors', () => {
    expect(empty.errors).toEqual([]);
    expect(empty.config).toEqual(IVADOMED_DEFAULTS);
  });

  it.each(A2)('%s defaults to %j', (path, value) => {
    expect(at(empty.config, path)).toEqual(value);
    expect(describeKey(path)?.default).toEqual(value);
  });

  it('every leaf of the default file is covered by the table above', () => {
    const leaves: string[] = [];
    const walk = (o: unknown, p: string[]) => {
      if (typeof o === 'object' && o !== null && !Array.isArray(o) && Object.keys(o).length > 0 && !['loss', 'lr_scheduler', 'balance_samples', 'transfer_learning', 'uncertainty', 'data_testing', 'subject_selection'].includes(p[p.length - 1] ?? '')) {
        for (const [k, v] of Object.entries(o)) walk(v, [...p, k]);
      } else leaves.push(p.join('.'));
    };
    walk(IVADOMED_DEFAULTS, []);
    expect(leaves.sort()).toEqual(A2.map(([p]) => p).sort());
  });

  it('keys absent from config_default.json carry ivadomed\'s code default (INVENTORY §a.3)', () => {
    const codeDefaults: [string, unknown][] = [
      ['loader_parameters.bids_validate', true],
      ['loader_parameters.bids_config', null],
      ['loader_parameters.slice_filter_params.filter_absent_class', false],
      ['loader_parameters.slice_filter_params.filter_classification', false],
      ['loader_parameters.patch_filter_params.filter_absent_class', false],
      ['default_model.final_activation', 'sigmoid'],
      ['default_model.n_filters', 64],
      ['Modified3DUNet.n_filters', 16],
      ['Modified3DUNet.attention', false],
      ['evaluation_parameters.target_size', { unit: 'vox', thr: [20, 100] }],
      ['evaluation_parameters.overlap', { unit: 'vox', thr: 3 }],
      ['split_dataset.control_randomness', false],
    ];
    for (const [path, value] of codeDefaults) {
      const node = describeKey(path);
      expect(node, path).toBeDefined();
      expect(node!.required, path).toBe(false);
      expect(node!.codeDefault, path).toEqual(value);
    }
  });

  it('length_3D and stride_3D have no code default (ivadomed\'s 3D loader requires them)', () => {
    expect(describeKey('Modified3DUNet.length_3D')!.codeDefault).toBeUndefined();
    expect(describeKey('default_model.stride_3D')!.codeDefault).toBeUndefined();
  });

  it('transform and loss parameter defaults follow ivadomed\'s constructors', () => {
    const transform = (name: string, key: string) =>
      describeKey('transformation')!.children!.find((c) => c.key === name)!.children!.find((c) => c.key === key)!.codeDefault;
    expect(transform('Resample', 'dspace')).toBe(1.0);
    expect(transform('ElasticTransform', 'p')).toBe(0.1);
    expect(transform('RandomShiftIntensity', 'prob')).toBe(0.1);
    expect(transform('AdditiveGaussianNoise', 'std')).toBe(0.01);
    expect(transform('Clahe', 'clip_limit')).toBe(3.0);
    expect(transform('Clahe', 'kernel_size')).toEqual([8, 8]);
    expect(transform('HistogramClipping', 'min_percentile')).toBe(5.0);
    expect(transform('HistogramClipping', 'max_percentile')).toBe(95.0);
    expect(transform('RandomGamma', 'p')).toBe(0.5);
    expect(transform('RandomAffine', 'degrees')).toBe(0);
    expect(transform('RandomAffine', 'translate')).toBeNull();
    expect(transform('RandomAffine', 'scale')).toBeNull();
    expect(transform('NormalizeInstance', 'applied_to')).toEqual(['im', 'gt', 'roi']);
    expect(transform('NormalizeInstance', 'dataset_type')).toEqual(['training', 'validation', 'testing']);

    const loss = describeKey('training_parameters.loss')!;
    const kw = (name: string, key: string) => loss.variants!.find((v) => v.name === name)!.node.children!.find((c) => c.key === key)!.codeDefault;
    expect(kw('DiceLoss', 'smooth')).toBe(1.0);
    expect(kw('FocalLoss', 'gamma')).toBe(2);
    expect(kw('FocalLoss', 'alpha')).toBe(0.25);
    expect(kw('FocalLoss', 'eps')).toBe(1e-7);
    expect(kw('GeneralizedDiceLoss', 'epsilon')).toBe(1e-5);
    expect(kw('GeneralizedDiceLoss', 'include_background')).toBe(true);
    expect(kw('TverskyLoss', 'alpha')).toBe(0.7);
    expect(kw('TverskyLoss', 'beta')).toBe(0.3);
    expect(kw('FocalTverskyLoss', 'gamma')).toBe(1.33);
    expect(kw('AdapWingLoss', 'theta')).toBe(0.5);
    expect(kw('AdapWingLoss', 'alpha')).toBe(2.1);
    expect(kw('AdapWingLoss', 'omega')).toBe(14);
    expect(kw('AdapWingLoss', 'epsilon')).toBe(1);
    expect(kw('FocalDiceLoss', 'beta')).toBe(1);
  });

  it('user values win over defaults, nested objects merge key by key', () => {
    const r = parseConfig({ training_parameters: { batch_size: 4, training_time: { num_epochs: 3 } } });
    expect(r.errors).toEqual([]);
    expect(r.config.training_parameters.batch_size).toBe(4);
    expect(r.config.training_parameters.training_time).toEqual({ num_epochs: 3, early_stopping_patience: 50, early_stopping_epsilon: 0.001 });
    expect(r.addedDefaults).toContain('training_parameters.training_time.early_stopping_patience');
    expect(r.addedDefaults).not.toContain('training_parameters.batch_size');
  });

  it('a scalar where ivadomed has an object keeps the default object, with a warning (ivadomed update())', () => {
    const r = parseConfig({ uncertainty: null });
    expect(r.config.uncertainty).toEqual({ epistemic: false, aleatoric: false, n_it: 0 });
    expect(r.warnings.map((w) => w.message)).toContain(
      'uncertainty: got null where an object is expected; ignored and the default {"epistemic":false,"aleatoric":false,"n_it":0} kept (as ivadomed does)',
    );
  });

  it('command-line overrides replace command, path_data and path_output', () => {
    const r = parseConfig({ command: 'train', path_output: 'a' }, { overrides: { command: 'test', path_data: ['x', 'y'], path_output: 'out' } });
    expect(r.config.command).toBe('test');
    expect(r.config.path_output).toBe('out');
    expect(r.config.loader_parameters.path_data).toEqual(['x', 'y']);
  });
});

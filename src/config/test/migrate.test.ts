import { describe, expect, it } from 'vitest';
import { parseConfig } from '..';

const messages = (r: ReturnType<typeof parseConfig>) => r.migrations.map((m) => m.message);

describe('migrations of ivadomed (config_manager.py)', () => {
  it('UNet3D -> Modified3DUNet', () => {
    const r = parseConfig({ UNet3D: { applied: true, length_3D: [32, 32, 16], stride_3D: [32, 32, 16] } });
    expect(r.config.Modified3DUNet).toEqual({ applied: true, length_3D: [32, 32, 16], stride_3D: [32, 32, 16] });
    expect('UNet3D' in r.config).toBe(false);
    expect(r.migrations).toContainEqual({ path: 'Modified3DUNet', message: 'UNet3D renamed to Modified3DUNet', ivadomed: true });
    expect(r.errors).toEqual([]);
  });

  it('bids_path -> path_data inside loader_parameters', () => {
    const r = parseConfig({ loader_parameters: { bids_path: '/data/bids' } });
    expect(r.config.loader_parameters.path_data).toBe('/data/bids');
    expect(messages(r)).toContain('loader_parameters.bids_path renamed to loader_parameters.path_data');
    expect(r.errors).toEqual([]);
  });

  it('log_directory -> path_output', () => {
    const r = parseConfig({ log_directory: 'spineGeneric' });
    expect(r.config.path_output).toBe('spineGeneric');
    expect(messages(r)).toContain('log_directory renamed to path_output');
  });

  it('NumpyToTensor is deleted from the transformations, order of the others kept', () => {
    const r = parseConfig({ transformation: { Resample: { hspace: 1, wspace: 1 }, NumpyToTensor: {}, NormalizeInstance: { applied_to: ['im'] } } });
    expect(Object.keys(r.config.transformation)).toEqual(['Resample', 'NormalizeInstance']);
    expect(messages(r)).toContain('transformation.NumpyToTensor: removed (NumpyToTensor is always applied last)');
  });

  it('split_dataset.method "per_center" + center_test -> data_testing institution_id', () => {
    const r = parseConfig({ split_dataset: { method: 'per_center', center_test: ['amu', 'ucl'] } });
    expect(r.config.split_dataset.data_testing).toEqual({ data_type: 'institution_id', data_value: ['amu', 'ucl'] });
    expect('method' in r.config.split_dataset).toBe(false);
    expect('center_test' in r.config.split_dataset).toBe(false);
    expect(messages(r)).toEqual([
      'split_dataset.method "per_center" replaced by split_dataset.data_testing.data_type "institution_id"',
      'split_dataset.center_test ["amu","ucl"] moved to split_dataset.data_testing.data_value',
    ]);
    expect(r.migrations.every((m) => m.ivadomed)).toBe(true);
  });

  it('split_dataset.method "per_patient" and center_test are dropped without touching data_testing', () => {
    const r = parseConfig({ split_dataset: { method: 'per_patient', center_test: ['amu'] } });
    expect(r.config.split_dataset.data_testing).toEqual({ data_type: null, data_value: [] });
    expect(messages(r)).toEqual([
      'split_dataset.method "per_patient" removed (old key; split_dataset.split_method decides the split)',
      'split_dataset.center_test removed (old key, used only with method "per_center")',
    ]);
  });
});

describe('migrations added by ivadomed-web (documented differences)', () => {
  it('postprocessing.threshold_uncertainty (documented name) -> uncertainty, at the same position', () => {
    const r = parseConfig({
      postprocessing: { binarize_prediction: { thr: 0.5 }, threshold_uncertainty: { thr: -1, suffix: '_unc-vox.nii.gz' }, fill_holes: {} },
    });
    expect(Object.keys(r.config.postprocessing)).toEqual(['binarize_prediction', 'uncertainty', 'fill_holes']);
    expect(r.config.postprocessing.uncertainty).toEqual({ thr: -1, suffix: '_unc-vox.nii.gz' });
    expect(r.migrations).toContainEqual({
      path: 'postprocessing.uncertainty',
      message: "postprocessing.threshold_uncertainty (name used in ivadomed's docs) renamed to postprocessing.uncertainty (name its code runs)",
      ivadomed: false,
    });
    expect(r.warnings).toEqual(expect.not.arrayContaining([expect.objectContaining({ path: 'postprocessing.threshold_uncertainty' })]));
  });

  it('both spellings present: the code name wins', () => {
    const r = parseConfig({ postprocessing: { uncertainty: { thr: -1, suffix: '_soft.nii.gz' }, threshold_uncertainty: { thr: 0.2, suffix: '_unc-vox.nii.gz' } } });
    expect(r.config.postprocessing).toEqual({ uncertainty: { thr: -1, suffix: '_soft.nii.gz' } });
  });

  it('balance_samples: true (old boolean form) -> {applied: true, type: "gt"}', () => {
    const r = parseConfig({ training_parameters: { balance_samples: true } });
    expect(r.config.training_parameters.balance_samples).toEqual({ applied: true, type: 'gt' });
    expect(messages(r)).toContain('training_parameters.balance_samples: true (old form) converted to {"applied": true, "type": "gt"}');
  });

  it('default_model.name "UNet3D" -> "Modified3DUNet"', () => {
    const r = parseConfig({ default_model: { name: 'UNet3D', length_3D: [16, 16, 16], stride_3D: [16, 16, 16] } });
    expect(r.config.default_model.name).toBe('Modified3DUNet');
    expect(r.errors).toEqual([]);
  });

  it('top-level bids_path of old configs lands in loader_parameters.path_data', () => {
    const r = parseConfig({ bids_path: '../duke/spineGeneric/' });
    expect(r.config.loader_parameters.path_data).toBe('../duke/spineGeneric/');
    expect('path_data' in r.config).toBe(false);
    expect(messages(r)).toEqual(['bids_path renamed to path_data', 'path_data (top level) moved to loader_parameters.path_data']);
  });

  it('command "eval" -> "test"', () => {
    const r = parseConfig({ command: 'eval' });
    expect(r.config.command).toBe('test');
    expect(r.errors).toEqual([]);
  });
});

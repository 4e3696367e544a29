import { describe, expect, it } from 'vitest';
import { IvadomedConfigSchema, describeConfig, describeKey, listFields } from '..';
import { defOf, unwrap } from '../walk';

describe('describeConfig (metadata for forms)', () => {
  it('every key of the schema has a description and an allowed-values sentence', () => {
    const missing = listFields().filter((n) => n.description === '' || n.allowed === '');
    expect(missing.map((n) => n.path)).toEqual([]);
    const sections = describeConfig().children!.filter((c) => c.kind === 'object');
    expect(sections.filter((s) => s.description === '').map((s) => s.path)).toEqual([]);
  });

  it('mirrors the schema\'s top-level keys', () => {
    expect(describeConfig().children!.map((c) => c.key)).toEqual(Object.keys(defOf(unwrap(IvadomedConfigSchema)).shape!));
  });

  it('gives input kinds, ranges and choices', () => {
    expect(describeKey('training_parameters.batch_size')).toMatchObject({ kind: 'integer', min: 1, required: true, default: 18, allowed: 'an integer >= 1' });
    expect(describeKey('loader_parameters.slice_axis')).toMatchObject({ kind: 'enum', enumValues: ['axial', 'sagittal', 'coronal'], default: 'axial' });
    expect(describeKey('split_dataset.fname_split')).toMatchObject({ kind: 'string', nullable: true, default: null });
    expect(describeKey('default_model.final_activation')).toMatchObject({ kind: 'enum', required: false, codeDefault: 'sigmoid' });
    const sf = describeKey('object_detection_params.safety_factor')!;
    expect(sf).toMatchObject({ kind: 'list', allowed: 'a list of 3 items, each a number > 0' });
    expect(sf.item).toMatchObject({ kind: 'number', min: 0 });
  });

  it('"name"-selected objects list their variants with keyword arguments', () => {
    const loss = describeKey('training_parameters.loss')!;
    expect(loss.kind).toBe('choice');
    expect(loss.discriminator).toBe('name');
    expect(loss.variants!.map((v) => v.name)).toEqual([
      'DiceLoss', 'MultiClassDiceLoss', 'BinaryCrossEntropyLoss', 'FocalLoss', 'FocalDiceLoss', 'GeneralizedDiceLoss',
      'TverskyLoss', 'FocalTverskyLoss', 'L2loss', 'AdapWingLoss', 'LossCombination',
    ]);
    const focal = loss.variants!.find((v) => v.name === 'FocalLoss')!.node;
    expect(focal.children!.map((c) => c.key)).toEqual(['name', 'gamma', 'alpha', 'eps']);
    const sched = describeKey('training_parameters.scheduler.lr_scheduler')!;
    expect(sched.variants!.map((v) => v.name)).toEqual(['CosineAnnealingLR', 'CosineAnnealingWarmRestarts', 'CyclicLR']);
  });

  it('ordered sections are flagged, with one optional child per transform or step', () => {
    const t = describeKey('transformation')!;
    expect(t.ordered).toBe(true);
    expect(t.children!.every((c) => !c.required)).toBe(true);
    expect(t.children!.map((c) => c.key)).toContain('RandomAffine');
    const p = describeKey('postprocessing')!;
    expect(p.ordered).toBe(true);
    expect(p.children!.map((c) => c.key)).toEqual(['binarize_prediction', 'binarize_maxpooling', 'fill_holes', 'keep_largest', 'remove_noise', 'remove_small', 'uncertainty']);
  });

  it('marks keys kept only for round trips', () => {
    expect(describeKey('HeMISUnet.path_hdf5')?.ignored).toBe(true);
    expect(describeKey('training_sha256')?.ignored).toBe(true);
  });
});

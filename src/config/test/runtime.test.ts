import { expect, it } from 'vitest';
import { contrastList, parseConfig, presetConfig, subdatasetTransforms } from '..';

it('subdatasetTransforms splits by dataset_type in written order (get_subdatasets_transforms)', () => {
  const { training, validation, testing } = subdatasetTransforms(presetConfig('unet2d').transformation);
  expect(Object.keys(training)).toEqual(['Resample', 'CenterCrop', 'RandomAffine', 'ElasticTransform', 'NormalizeInstance']);
  expect(Object.keys(validation)).toEqual(['Resample', 'CenterCrop', 'NormalizeInstance']);
  expect(Object.keys(testing)).toEqual(['Resample', 'CenterCrop', 'NormalizeInstance']);
  expect(training.RandomAffine).toEqual({ degrees: 5, scale: [0.1, 0.1], translate: [0.03, 0.03], applied_to: ['im', 'gt'] });
});

it('contrastList follows the command', () => {
  const c = parseConfig({ loader_parameters: { contrast_params: { training_validation: ['T1w', 'T2w'], testing: ['T2w'] } } }).config;
  expect(contrastList(c)).toEqual(['T1w', 'T2w']);
  expect(contrastList(c, 'test')).toEqual(['T2w']);
  expect(contrastList(c, 'segment')).toEqual(['T2w']);
});

/** Type-level checks (tsc compiles this file): the inferred types narrow as consumers need. */
import { expect, it } from 'vitest';
import { presetConfig, type IvadomedConfig, type LossConfig, type LrSchedulerConfig, type TransformParams } from '..';

it('inferred types narrow on "name" and expose section fields', () => {
  const c: IvadomedConfig = presetConfig('unet2d');
  const batch: number = c.training_parameters.batch_size;
  const loss: LossConfig = { name: 'FocalLoss', gamma: 2 };
  let gamma: number | undefined;
  if (loss.name === 'FocalLoss') gamma = loss.gamma;
  const sched: LrSchedulerConfig = c.training_parameters.scheduler.lr_scheduler;
  let base: number | undefined;
  if (sched.name === 'CyclicLR') base = sched.base_lr;
  const affine: TransformParams<'RandomAffine'> | undefined = c.transformation.RandomAffine;
  const axis: 'axial' | 'sagittal' | 'coronal' = c.loader_parameters.slice_axis;
  const length3D: number[] | undefined = c.Modified3DUNet?.length_3D;
  expect([batch, gamma, base, affine?.degrees, axis, length3D]).toEqual([18, 2, undefined, 5, 'axial', undefined]);
});

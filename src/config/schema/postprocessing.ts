/**
 * `postprocessing` (INVENTORY §i): ordered steps applied to predictions. The step that thresholds an
 * uncertainty map is `uncertainty` in ivadomed's code but `threshold_uncertainty` in its docs; the
 * migration renames the documented spelling (see migrate.ts).
 */
import * as z from 'zod';
import { list, num, oneOf, optional, strictSection, withMeta } from '../fields';

/** -1 disables the step; otherwise a threshold in [0, 1]. */
const threshold = (description: string, codeDefault?: number) => {
  const s = withMeta(
    z.union([z.literal(-1), z.number().min(0).max(1)]),
    '-1 (disabled) or a number in [0, 1]',
    codeDefault === undefined ? description : { description, codeDefault },
  );
  return s;
};

/** A step: ivadomed calls the method with the parameters as keyword arguments, so unknown ones fail. */
function step<S extends z.core.$ZodLooseShape>(name: string, shape: S, description: string) {
  return strictSection(shape, description, `parameter of ${name}`);
}

export const UNCERTAINTY_SUFFIXES = ['_unc-vox.nii.gz', '_unc-avgUnc.nii.gz', '_unc-cv.nii.gz', '_unc-iou.nii.gz', '_soft.nii.gz'] as const;
export const SIZE_UNITS = ['vox', 'mm3'] as const;

const uncertaintyStep = () =>
  strictSection(
    {
      thr: threshold('Threshold on the uncertainty map; -1 skips the step.'),
      suffix: oneOf(UNCERTAINTY_SUFFIXES, 'Which uncertainty map: voxel-wise, structure-wise (avgUnc, cv, iou) or the MC average (_soft).'),
    },
    'Zero the most uncertain predictions (needs uncertainty.n_it > 0). For _unc-iou and _soft voxels above thr are kept, otherwise voxels below thr.',
    'parameter of uncertainty',
  );

export const POSTPROCESSING_SCHEMAS = {
  binarize_prediction: step('binarize_prediction',
    { thr: optional(threshold('Values < thr become 0, others 1; -1 keeps soft predictions.'), { codeDefault: 0.5 }) },
    'Binarize with a threshold.',
  ),
  binarize_maxpooling: step('binarize_maxpooling', {}, 'One-hot of the winning class per voxel (background = 1 - Σ classes). No parameters.'),
  fill_holes: step('fill_holes', {}, 'Binarize at 0.5 and fill holes per class. No parameters.'),
  keep_largest: step('keep_largest', {}, 'Keep only the largest connected object. No parameters.'),
  remove_noise: step('remove_noise',
    { thr: optional(threshold('Values <= thr are set to 0; -1 skips the step.'), { codeDefault: -1 }) },
    'Zero low prediction values.',
  ),
  remove_small: step('remove_small',
    {
      unit: oneOf(SIZE_UNITS, 'Unit of thr: voxels or mm³.'),
      thr: withMeta(
        z.union([num({ min: 0 }), list(num({ min: 0 }), { min: 1 })]),
        'a number >= 0 or a list of numbers >= 0 (one per class)',
        'Minimum object size; a list gives one size per class.',
      ),
    },
    'Remove connected objects smaller than thr (18-connectivity).',
  ),
  uncertainty: uncertaintyStep(),
} as const;

export type PostprocessingStepName = keyof typeof POSTPROCESSING_SCHEMAS;
export const POSTPROCESSING_STEP_NAMES = Object.keys(POSTPROCESSING_SCHEMAS) as PostprocessingStepName[];

export const PostprocessingSchema = strictSection(
  Object.fromEntries(POSTPROCESSING_STEP_NAMES.map((n) => [n, optional(POSTPROCESSING_SCHEMAS[n])])) as {
    [K in PostprocessingStepName]: z.ZodOptional<(typeof POSTPROCESSING_SCHEMAS)[K]>;
  },
  'Ordered postprocessing steps applied to predictions (test and segment).',
  'postprocessing step',
);

export type PostprocessingConfig = z.output<typeof PostprocessingSchema>;

/**
 * Unknown keys: reported as warnings (never fatal, never dropped — ivadomed keeps them and writes them
 * back into config_file.json, and so does our export), each with the closest known sibling key and,
 * for keys of older ivadomed versions, where that setting lives now.
 */
import type * as z from 'zod';
import { closest, issue, type ConfigIssue } from './issues';
import { defOf, isPlainObject, metaDeep, pickVariant, unwrap, type Path } from './walk';

export interface UnknownKey {
  issue: ConfigIssue;
  /** True where ivadomed fails on the key (FieldMeta.strictKeys): reported as an error. */
  fatal: boolean;
}

/** Keys ivadomed derives at run time (set_model_params); a value written in the file is ignored. */
const DERIVED_MODEL_KEYS: Record<string, string> = {
  in_channel: 'number of contrasts when multichannel, else 1',
  out_channel: 'len(loader_parameters.target_suffix), plus 1 for the background when > 1',
  n_metadata: 'number of one-hot FiLM categories',
  folder_name: 'model_name',
  film_onehotencoder: 'fitted on the training set',
};

/** Keys of older ivadomed versions and where the setting lives in 2.9. */
const OLD_KEY_HINTS: Record<string, string> = {
  gpu: 'ivadomed 2.9 reads "gpu_ids", a list such as [0]',
  target_suffix: 'now loader_parameters.target_suffix',
  roi_suffix: 'now loader_parameters.roi_params.suffix',
  split_method: 'now split_dataset.split_method',
  soft_input: 'now loader_parameters.soft_gt',
  random_seed: 'now split_dataset.random_seed',
  center_test: 'now split_dataset.data_testing.data_value with data_type "institution_id"',
  missing_modality: 'now the HeMISUnet section',
  attention_unet: 'now Modified3DUNet.attention',
  mixup_bool: 'now training_parameters.mixup_alpha (null = off)',
  metadata: 'now FiLMedUnet.metadata',
  testing_parameters: 'now the top-level "uncertainty" and "postprocessing" (binarize_prediction) sections',
  targetSize: 'now evaluation_parameters.target_size',
  removeSmall: 'now postprocessing.remove_small',
  modalities: 'now HeMISUnet.contrasts',
  hdf5_path: 'now HeMISUnet.path_hdf5',
  padding_3D: 'removed from ivadomed',
  batch_norm_momentum: 'now default_model.bn_momentum',
  scheduler_lr: 'now training_parameters.scheduler.lr_scheduler',
  contrasts: 'now loader_parameters.contrast_params',
  slice_filter: 'now loader_parameters.slice_filter_params',
  mode: 'ivadomed forces CyclicLR mode "triangular2"; a "mode" key makes PyTorch fail',
};

const MODEL_SECTION_PATHS = new Set(['default_model', 'FiLMedUnet', 'HeMISUnet', 'Modified3DUNet', 'resnet18', 'densenet121', 'Countception']);

function unknownKeyIssue(path: Path, key: string, known: string[], strictKind: string | undefined): ConfigIssue {
  const at = [...path, key];
  if (strictKind !== undefined) {
    const suggestion = closest(key, known);
    const mean = suggestion !== undefined && suggestion !== key ? `; did you mean "${suggestion}"?` : `; must be one of ${known.map((k) => JSON.stringify(k)).join(', ')}`;
    const extra = key === 'mode' && strictKind.endsWith('CyclicLR') ? ' (ivadomed forces mode "triangular2")' : '';
    return issue(at, `unknown ${strictKind}, ivadomed fails on it${extra}${known.length > 0 ? mean : ' (it takes none)'}`, suggestion);
  }
  const parent = path.length > 0 ? path[path.length - 1] : undefined;
  if (typeof parent === 'string' && MODEL_SECTION_PATHS.has(parent) && key in DERIVED_MODEL_KEYS) {
    return issue(at, `derived by ivadomed at run time (${DERIVED_MODEL_KEYS[key]}); the value in the file is ignored`);
  }
  const suggestion = closest(key, known);
  const hint = OLD_KEY_HINTS[key];
  let message = 'unknown key, ignored (kept on export)';
  if (suggestion !== undefined && suggestion !== key) message += `; did you mean "${suggestion}"?`;
  if (hint !== undefined) message += ` (old ivadomed key: ${hint})`;
  return issue(at, message, suggestion);
}

/** Walks `raw` along `schema` and reports every key the schema does not define. */
export function findUnknownKeys(raw: unknown, schema: z.ZodType, path: Path = []): UnknownKey[] {
  const out: UnknownKey[] = [];
  const s = unwrap(schema);
  const d = defOf(s);
  if (d.type === 'object' && isPlainObject(raw)) {
    const shape = d.shape ?? {};
    const strictKind = metaDeep(s)?.strictKeys;
    // A "name" discriminator is not a keyword argument: leave it out of the suggestions.
    const known = Object.keys(shape).filter((k) => !(strictKind?.startsWith('keyword argument') && k === 'name'));
    for (const [k, v] of Object.entries(raw)) {
      const sub = shape[k];
      if (sub === undefined) out.push({ issue: unknownKeyIssue(path, k, known, strictKind), fatal: strictKind !== undefined });
      else out.push(...findUnknownKeys(v, sub, [...path, k]));
    }
  } else if (d.type === 'union' && d.discriminator) {
    const variant = pickVariant(s, raw);
    if (variant) out.push(...findUnknownKeys(raw, variant, path));
  } else if (d.type === 'array' && Array.isArray(raw) && d.element) {
    raw.forEach((v, i) => out.push(...findUnknownKeys(v, d.element!, [...path, i])));
  }
  return out;
}

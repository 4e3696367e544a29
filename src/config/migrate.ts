/**
 * Old-key migration. ivadomed's own (config_manager.py, INVENTORY §a.1):
 *   - keys renamed at every level: UNet3D -> Modified3DUNet, bids_path -> path_data, log_directory -> path_output;
 *   - every "NumpyToTensor" key deleted (the transform is always appended);
 *   - split_dataset.method "per_center" -> data_testing.data_type "institution_id"; center_test -> data_testing.data_value;
 *     both old keys deleted.
 * Ours, where ivadomed silently does the wrong thing (each noted in docs/config.md):
 *   - postprocessing.threshold_uncertainty (ivadomed's documented name) -> uncertainty (its code name);
 *   - default_model.name "UNet3D" -> "Modified3DUNet" (ivadomed's UNet3D class cannot be built);
 *   - training_parameters.balance_samples: true/false (pre-2.7 form) -> {applied, type: "gt"}
 *     (ivadomed keeps its default object and so ignores `true`);
 *   - a top-level path_data (from an old top-level bids_path) moves to loader_parameters.path_data;
 *   - command "eval" (removed from ivadomed, which then does nothing) -> "test".
 */
import { isPlainObject } from './walk';

export interface MigrationNote {
  /** Path of the key after migration. */
  path: string;
  /** What changed, for the user. */
  message: string;
  /** True where ivadomed itself does this; false where ivadomed-web goes further. */
  ivadomed: boolean;
}

const KEY_RENAMES: Record<string, string> = {
  UNet3D: 'Modified3DUNet',
  bids_path: 'path_data',
  log_directory: 'path_output',
};

function renameKeys(obj: Record<string, unknown>, path: string[], notes: MigrationNote[]): void {
  for (const key of Object.keys(obj)) {
    if (key === 'NumpyToTensor') {
      delete obj[key];
      notes.push({
        path: [...path, key].join('.'),
        message: `${[...path, key].join('.')}: removed (NumpyToTensor is always applied last)`,
        ivadomed: true,
      });
      continue;
    }
    const value = obj[key];
    const target = KEY_RENAMES[key];
    if (target !== undefined) {
      const from = [...path, key].join('.');
      const to = [...path, target].join('.');
      if (target in obj) {
        notes.push({ path: to, message: `${from}: old name of ${to}, which is also present; kept ${to} and dropped ${from}`, ivadomed: false });
      } else {
        obj[target] = value;
        notes.push({ path: to, message: `${from} renamed to ${to}`, ivadomed: true });
      }
      delete obj[key];
    }
    const now = target !== undefined ? obj[target] : value;
    if (isPlainObject(now)) renameKeys(now, [...path, target ?? key], notes);
  }
}

/** Migrations applied to the user's file before it is merged into the defaults. Mutates `user`. */
export function migrateUserConfig(user: Record<string, unknown>): MigrationNote[] {
  const notes: MigrationNote[] = [];
  renameKeys(user, [], notes);

  if (user.command === 'eval') {
    user.command = 'test';
    notes.push({ path: 'command', message: 'command: "eval" (removed from ivadomed) mapped to "test", which predicts then evaluates', ivadomed: false });
  }

  if ('path_data' in user) {
    const loader = isPlainObject(user.loader_parameters) ? user.loader_parameters : (user.loader_parameters = {});
    if (isPlainObject(loader)) {
      if (!('path_data' in loader)) {
        loader.path_data = user.path_data;
        notes.push({ path: 'loader_parameters.path_data', message: 'path_data (top level) moved to loader_parameters.path_data', ivadomed: false });
      } else {
        notes.push({ path: 'loader_parameters.path_data', message: 'path_data (top level) dropped: loader_parameters.path_data is set', ivadomed: false });
      }
      delete user.path_data;
    }
  }

  const model = user.default_model;
  if (isPlainObject(model) && model.name === 'UNet3D') {
    model.name = 'Modified3DUNet';
    notes.push({ path: 'default_model.name', message: 'default_model.name: "UNet3D" replaced by "Modified3DUNet"', ivadomed: false });
  }

  const training = user.training_parameters;
  if (isPlainObject(training) && typeof training.balance_samples === 'boolean') {
    const applied = training.balance_samples;
    training.balance_samples = { applied, type: 'gt' };
    notes.push({
      path: 'training_parameters.balance_samples',
      message: `training_parameters.balance_samples: ${applied} (old form) converted to {"applied": ${applied}, "type": "gt"}`,
      ivadomed: false,
    });
  }

  const post = user.postprocessing;
  if (isPlainObject(post) && 'threshold_uncertainty' in post) {
    if ('uncertainty' in post) {
      notes.push({
        path: 'postprocessing.uncertainty',
        message: 'postprocessing.threshold_uncertainty dropped: postprocessing.uncertainty (the same step) is also set',
        ivadomed: false,
      });
      delete post.threshold_uncertainty;
    } else {
      // Rebuild to keep the step at its position: postprocessing is ordered.
      const rebuilt: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(post)) rebuilt[k === 'threshold_uncertainty' ? 'uncertainty' : k] = v;
      for (const k of Object.keys(post)) delete post[k];
      Object.assign(post, rebuilt);
      notes.push({
        path: 'postprocessing.uncertainty',
        message: 'postprocessing.threshold_uncertainty (name used in ivadomed\'s docs) renamed to postprocessing.uncertainty (name its code runs)',
        ivadomed: false,
      });
    }
  }
  return notes;
}

/** ivadomed's change_keys_values on the merged split_dataset section. Mutates `config`. */
export function migrateSplitDataset(config: Record<string, unknown>): MigrationNote[] {
  const notes: MigrationNote[] = [];
  const split = config.split_dataset;
  if (!isPlainObject(split)) return notes;
  const testing = isPlainObject(split.data_testing) ? split.data_testing : undefined;
  if ('method' in split) {
    if (split.method === 'per_center' && testing) {
      testing.data_type = 'institution_id';
      notes.push({
        path: 'split_dataset.data_testing.data_type',
        message: 'split_dataset.method "per_center" replaced by split_dataset.data_testing.data_type "institution_id"',
        ivadomed: true,
      });
    } else {
      notes.push({
        path: 'split_dataset.method',
        message: `split_dataset.method ${JSON.stringify(split.method)} removed (old key; split_dataset.split_method decides the split)`,
        ivadomed: true,
      });
    }
    delete split.method;
  }
  if ('center_test' in split) {
    const value = split.center_test;
    if (testing && testing.data_type === 'institution_id' && value !== null && value !== undefined) {
      testing.data_value = value;
      notes.push({
        path: 'split_dataset.data_testing.data_value',
        message: `split_dataset.center_test ${JSON.stringify(value)} moved to split_dataset.data_testing.data_value`,
        ivadomed: true,
      });
    } else {
      notes.push({ path: 'split_dataset.center_test', message: 'split_dataset.center_test removed (old key, used only with method "per_center")', ivadomed: true });
    }
    delete split.center_test;
  }
  return notes;
}

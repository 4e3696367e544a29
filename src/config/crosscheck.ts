/**
 * Checks that involve several keys (ivadomed makes most of them at run time, after the data is loaded;
 * we make them before anything runs). Runs on the merged config, which may still hold invalid values:
 * every read is guarded.
 */
import { issue, showValue, type ConfigIssue } from './issues';
import { appliedSections } from './model';
import { LOSS_SCHEMAS, type LossName } from './schema/losses';
import { findUnknownKeys } from './unknown';
import { schemaErrors } from './validate';
import { isPlainObject } from './walk';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export interface CrossCheckResult {
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

export function crossCheck(config: Obj): CrossCheckResult {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const command = config.command;
  const loader = obj(config.loader_parameters);
  const contrasts = obj(loader.contrast_params);
  const model = obj(config.default_model);
  const training = obj(config.training_parameters);
  const transforms = obj(config.transformation);
  const post = obj(config.postprocessing);
  const depth = model.depth;

  // --- Model selection (main.set_model_params) -------------------------------------------------
  const applied = appliedSections(config);
  const pairOk = applied.length === 2 && applied.includes('Modified3DUNet') && applied.includes('FiLMedUnet');
  if (applied.length > 1 && !pairOk) {
    errors.push(
      issue([applied[1]!, 'applied'], `several models are selected (${applied.join(', ')}); set "applied": true in only one section (Modified3DUNet with FiLMedUnet is the one allowed pair)`),
    );
  }
  const name = applied.length === 1 ? applied[0] : pairOk ? 'Modified3DUNet' : model.name;
  const modelSection = applied.includes('Modified3DUNet') ? 'Modified3DUNet' : applied.length === 1 ? applied[0]! : 'default_model';
  const effective: Obj = { ...model, ...obj(config[modelSection]) };
  const is3d = name === 'Modified3DUNet' || model.is_2d === false;

  // --- FiLM ------------------------------------------------------------------------------------
  const film = obj(config.FiLMedUnet);
  if (Array.isArray(film.film_layers)) {
    const layers = film.film_layers;
    const withM3D = applied.includes('Modified3DUNet');
    const expected = withM3D ? 10 : isInt(depth) ? 2 * depth + 2 : undefined;
    if (expected !== undefined && layers.length !== expected) {
      const why = withM3D ? 'Modified3DUNet has 10 FiLM slots' : `2*depth+2 for default_model.depth ${String(depth)}`;
      const msg = `got ${layers.length} entries; must have ${expected} (${why})`;
      if (film.applied === true) errors.push(issue(['FiLMedUnet', 'film_layers'], msg));
      else warnings.push(issue(['FiLMedUnet', 'film_layers'], `${msg}; not an error while FiLMedUnet.applied is false`));
    } else if (film.applied === true && layers.every((v) => v === 0)) {
      warnings.push(issue(['FiLMedUnet', 'film_layers'], 'every entry is 0: no FiLM layer, the model is a plain U-Net'));
    }
  }

  // --- 3D models and patches ---------------------------------------------------------------------
  if (is3d) {
    for (const key of ['length_3D', 'stride_3D'] as const) {
      const v = effective[key];
      if (v === undefined) {
        errors.push(issue([modelSection, key], `missing; must be a list of 3 integers >= 1, required for 3D models (${String(name)}${name === 'Unet' ? ' with is_2d false' : ''})`));
      }
    }
    const length = arr(effective.length_3D);
    const stride = arr(effective.stride_3D);
    if (length.length === 3 && length.every(isInt) && length.some((l) => (l as number) % 16 !== 0)) {
      errors.push(issue([modelSection, 'length_3D'], `got ${showValue(length)}; each entry must be a multiple of 16 (the 3D loader requires it)`));
    }
    if (length.length === 3 && stride.length === 3 && stride.some((s, i) => isInt(s) && isInt(length[i]) && s > (length[i] as number))) {
      warnings.push(issue([modelSection, 'stride_3D'], `got ${showValue(stride)}; a stride larger than length_3D ${showValue(length)} leaves voxels that no patch covers`));
    }
    const crop = obj(transforms.CenterCrop).size;
    if (Array.isArray(crop) && crop.length === 2) {
      errors.push(issue(['transformation', 'CenterCrop', 'size'], `got ${showValue(crop)}; must have 3 entries [H, W, D] for a 3D model`));
    }
    if (model.length_2D !== undefined || model.stride_2D !== undefined) {
      warnings.push(issue(['default_model', 'length_2D'], 'ignored: 2D patches do not apply to a 3D model'));
    }
  } else {
    const l2 = model.length_2D;
    const s2 = model.stride_2D;
    if ((l2 === undefined) !== (s2 === undefined)) {
      const missing = l2 === undefined ? 'length_2D' : 'stride_2D';
      errors.push(issue(['default_model', missing], `missing; must be a list of 2 integers >= 1 when ${missing === 'length_2D' ? 'stride_2D' : 'length_2D'} is set (2D patching needs both)`));
    } else if (Array.isArray(l2) && Array.isArray(s2)) {
      s2.forEach((s, i) => {
        if (isInt(s) && isInt(l2[i]) && s > (l2[i] as number)) {
          errors.push(issue(['default_model', 'stride_2D', i], `got ${s}; must be <= length_2D[${i}] = ${String(l2[i])} (0 < stride <= length)`));
        }
      });
    }
  }

  // --- Contrasts, channels, targets -------------------------------------------------------------
  const tv = arr(contrasts.training_validation);
  const te = arr(contrasts.testing);
  const needed = command === 'train' ? 'training_validation' : 'testing';
  if ((command === 'train' ? tv : te).length === 0) {
    warnings.push(issue(['loader_parameters', 'contrast_params', needed], `empty: no image contrast is selected for command "${String(command)}", so no file will be loaded`));
  }
  if (loader.multichannel === true) {
    // HeMISUnet is built for missing contrasts: testing may list a subset (absent encoders are masked).
    const hemisApplied = obj(config.HeMISUnet).applied === true;
    if (hemisApplied && te.some((c) => !tv.includes(c))) {
      errors.push(issue(['loader_parameters', 'contrast_params', 'testing'], `${showValue(te.filter((c) => !tv.includes(c)))} not in training_validation: HeMISUnet has no encoder for it`));
    } else if (hemisApplied && te.length < tv.length) {
      // allowed
    } else if (tv.length > 0 && te.length > 0 && tv.length !== te.length) {
      errors.push(
        issue(['loader_parameters', 'contrast_params', 'testing'], `got ${te.length} contrasts; must list as many as training_validation (${tv.length}) when multichannel is true: they are the model's input channels`),
      );
    } else if (tv.length === te.length && tv.some((c, i) => c !== te[i])) {
      warnings.push(issue(['loader_parameters', 'contrast_params', 'testing'], `channel order ${showValue(te)} differs from training_validation ${showValue(tv)}; channels follow list order`));
    }
    if (Object.keys(obj(contrasts.balance)).length > 0) {
      warnings.push(issue(['loader_parameters', 'contrast_params', 'balance'], 'contrast balance is meant for multichannel false (ivadomed docs); with multichannel it drops whole subjects'));
    }
  } else if (loader.is_input_dropout === true) {
    warnings.push(issue(['loader_parameters', 'is_input_dropout'], 'has no effect unless multichannel is true (a single input channel is never dropped)'));
  }
  const targets = arr(loader.target_suffix);
  const multiRater = targets.some(Array.isArray);
  if (multiRater && command !== 'train') {
    errors.push(issue(['loader_parameters', 'target_suffix'], `got ${showValue(targets)}; several raters per class are only allowed for command "train" (give one suffix per class)`));
  }
  if (targets.length === 0 && command !== 'segment') {
    warnings.push(issue(['loader_parameters', 'target_suffix'], `empty: no ground truth is selected for command "${String(command)}"`));
  }
  if (effective.final_activation === 'softmax' && targets.length === 1) {
    warnings.push(issue(['default_model', 'final_activation'], 'softmax over a single output channel is constant 1; use sigmoid for one class'));
  }
  for (const [i, e] of arr(loader.extensions).entries()) {
    if (typeof e === 'string' && !e.startsWith('.')) {
      warnings.push(issue(['loader_parameters', 'extensions', i], `got ${showValue(e)}; extensions start with "." (e.g. ".nii.gz"), so this matches no file`));
    }
  }
  const sel = obj(loader.subject_selection);
  const lens = ['n', 'metadata', 'value'].map((k) => arr(sel[k]).length);
  if (new Set(lens).size > 1) {
    errors.push(issue(['loader_parameters', 'subject_selection'], `n, metadata and value have ${lens.join(', ')} entries; must have the same length (one selection per index)`));
  }

  // --- ROI, slice filters ----------------------------------------------------------------------------
  const roi = obj(loader.roi_params);
  if ('ROICrop' in transforms && (roi.suffix === null || roi.suffix === undefined)) {
    errors.push(issue(['loader_parameters', 'roi_params', 'suffix'], 'missing; must name the ROI derivative suffix (e.g. "_seg-manual") because transformation.ROICrop is used'));
  }
  if (roi.slice_filter_roi !== null && roi.slice_filter_roi !== undefined && !('ROICrop' in transforms)) {
    warnings.push(issue(['loader_parameters', 'roi_params', 'slice_filter_roi'], 'ignored: only used together with the ROICrop transform'));
  }
  const sf = obj(loader.slice_filter_params);
  if (sf.filter_classification === true && (typeof sf.classifier_path !== 'string' || sf.classifier_path === '')) {
    errors.push(issue(['loader_parameters', 'slice_filter_params', 'classifier_path'], 'missing; must be the path of a saved classifier when filter_classification is true'));
  }

  // --- Split -----------------------------------------------------------------------------------------
  const split = obj(config.split_dataset);
  if (typeof split.train_fraction === 'number' && typeof split.test_fraction === 'number' && split.train_fraction + split.test_fraction > 1 + 1e-9) {
    errors.push(
      issue(['split_dataset', 'test_fraction'], `got ${split.test_fraction}; train_fraction + test_fraction must be <= 1 (train_fraction is ${split.train_fraction}, validation gets the rest)`),
    );
  }

  // --- Training ------------------------------------------------------------------------------------
  const loss = obj(training.loss);
  const lossesList = arr(loss.losses_list);
  if (loss.name === 'LossCombination' && Array.isArray(loss.params_list)) {
    if (loss.params_list.length !== lossesList.length) {
      errors.push(issue(['training_parameters', 'loss', 'params_list'], `got ${loss.params_list.length} entries; must have one per losses_list entry (${lossesList.length})`));
    }
    loss.params_list.forEach((p, i) => {
      const lname = lossesList[i];
      if (p === null || typeof lname !== 'string' || !(lname in LOSS_SCHEMAS)) return;
      const schema = LOSS_SCHEMAS[lname as LossName];
      const entry = { ...obj(p), name: lname };
      const unknown = findUnknownKeys(entry, schema).map((u) => u.issue);
      for (const e of [...schemaErrors(schema, entry), ...unknown]) {
        const sub = e.path === '(root)' ? '' : e.path.startsWith('[') ? e.path : `.${e.path}`;
        const prefix = `training_parameters.loss.params_list[${i}]${sub}`;
        errors.push({ path: prefix, message: `${prefix}${e.message.slice(e.path.length)}` });
      }
    });
  }
  const sched = obj(obj(training.scheduler).lr_scheduler);
  if (sched.name === 'CyclicLR' && typeof sched.base_lr === 'number' && typeof sched.max_lr === 'number' && sched.base_lr > sched.max_lr) {
    errors.push(issue(['training_parameters', 'scheduler', 'lr_scheduler', 'max_lr'], `got ${sched.max_lr}; must be >= base_lr (${sched.base_lr})`));
  }

  // --- Uncertainty and postprocessing --------------------------------------------------------------
  const unc = obj(config.uncertainty);
  const mc = (unc.epistemic === true || unc.aleatoric === true) && isInt(unc.n_it) && unc.n_it > 0;
  if (isInt(unc.n_it) && unc.n_it > 0 && unc.epistemic !== true && unc.aleatoric !== true) {
    warnings.push(issue(['uncertainty', 'n_it'], `got ${unc.n_it}; no uncertainty is computed unless epistemic or aleatoric is true`));
  }
  if ((unc.epistemic === true || unc.aleatoric === true) && unc.n_it === 0) {
    warnings.push(issue(['uncertainty', 'n_it'], 'got 0; no uncertainty is computed unless n_it > 0'));
  }
  const uncStep = obj(post.uncertainty);
  if (typeof uncStep.thr === 'number' && uncStep.thr >= 0 && !mc) {
    warnings.push(issue(['postprocessing', 'uncertainty', 'thr'], `got ${uncStep.thr}; this step needs uncertainty maps (uncertainty.n_it > 0 with epistemic or aleatoric), otherwise testing fails`));
  }
  const small = obj(post.remove_small);
  if (Array.isArray(small.thr) && targets.length > 0 && small.thr.length !== targets.length) {
    errors.push(issue(['postprocessing', 'remove_small', 'thr'], `got ${small.thr.length} thresholds; must have one per class (${targets.length} in loader_parameters.target_suffix)`));
  }

  // --- Evaluation ------------------------------------------------------------------------------------
  const ts = arr(obj(obj(config.evaluation_parameters).target_size).thr);
  if (ts.length > 1 && ts.some((v, i) => i > 0 && typeof v === 'number' && typeof ts[i - 1] === 'number' && v <= (ts[i - 1] as number))) {
    errors.push(issue(['evaluation_parameters', 'target_size', 'thr'], `got ${showValue(ts)}; must be strictly increasing (they are size-bin edges)`));
  }

  // --- Secrets ---------------------------------------------------------------------------------------
  const key = obj(config.wandb).wandb_api_key;
  if (typeof key === 'string' && key !== '') {
    warnings.push(issue(['wandb', 'wandb_api_key'], 'is set: ivadomed-web does not use WandB, and an exported config file carries this key in clear'));
  }

  // --- HeMIS -------------------------------------------------------------------------------------------
  const hemis = obj(config.HeMISUnet);
  if (hemis.applied === true && hemis.contrasts === undefined) {
    errors.push(issue(['HeMISUnet', 'contrasts'], 'missing; must be a non-empty list of contrasts (one encoder each) when HeMISUnet is applied'));
  }
  if (hemis.applied === true && Array.isArray(hemis.contrasts)) {
    const missing = hemis.contrasts.filter((c) => !tv.includes(c));
    if (missing.length > 0) {
      warnings.push(issue(['HeMISUnet', 'contrasts'], `${showValue(missing)} not in loader_parameters.contrast_params.training_validation; those encoders never see data`));
    }
  }
  return { errors, warnings };
}

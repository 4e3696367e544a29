import { describe, expect, it } from 'vitest';
import { getPreset, parseConfig, POSTPROCESSING_STEP_NAMES, TRANSFORM_NAMES } from '../../config/index';
import { ndarray } from '../../data/transforms/ndarray';
import { currentConfig, currentConfigText, useConfig } from './configStore';
import { formatValue, parseText } from './fieldText';
import { sectionsToSwitchOff, starterSection } from './ModelSections';
import { getAt, moveKey, setAt, issueBelongsTo } from './paths';
import { pipelineNames, previewSteps, toRgba } from './preview';
import { previewSample, sampleVolume } from './previewSource';
import { postprocessingStarter, transformStarter } from './starters';

describe('paths', () => {
  it('sets, removes and reorders keys without touching the original', () => {
    const a = { x: { y: 1, z: 2 } };
    const b = setAt(a, 'x.y', 5);
    expect(b).toEqual({ x: { y: 5, z: 2 } });
    expect(a.x.y).toBe(1);
    expect(setAt(a, ['x', 'z'], undefined)).toEqual({ x: { y: 1 } });
    expect(setAt(a, 'w.v', [1])).toEqual({ x: { y: 1, z: 2 }, w: { v: [1] } });
    expect(getAt(b, 'x.y')).toBe(5);
    expect(Object.keys(moveKey({ a: 1, b: 2, c: 3 }, 'c', -1))).toEqual(['a', 'c', 'b']);
    expect(Object.keys(moveKey({ a: 1, b: 2 }, 'a', -1))).toEqual(['a', 'b']);
    expect(issueBelongsTo('transformation.CenterCrop.size[0]', 'transformation.CenterCrop.size')).toBe(true);
    expect(issueBelongsTo('training_parameters.batch_size_x', 'training_parameters.batch_size')).toBe(false);
  });
});

describe('field text', () => {
  it('reads numbers, lists and JSON, and says what is wrong', () => {
    expect(parseText('integer', '0', false)).toEqual({ ok: true, value: 0 });
    expect(parseText('number', '1e-5', false)).toEqual({ ok: true, value: 1e-5 });
    expect(parseText('number', '', false)).toEqual({ ok: true, value: undefined });
    expect(parseText('number', 'null', true)).toEqual({ ok: true, value: null });
    const bad = parseText('number', '3x', false);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toContain('"3x" is not a number');
    expect(parseText('numbers', '128, 128 ,16', false)).toEqual({ ok: true, value: [128, 128, 16] });
    expect(parseText('numbers', '1, a', false).ok).toBe(false);
    expect(parseText('strings', 'T1w, T2w', false)).toEqual({ ok: true, value: ['T1w', 'T2w'] });
    expect(parseText('json', '[["a"]]', false)).toEqual({ ok: true, value: [['a']] });
    expect(parseText('json', '[', false).ok).toBe(false);
    expect(formatValue('numbers', [0.1, 0.2])).toBe('0.1, 0.2');
    expect(formatValue('json', ['_seg-manual'])).toBe('["_seg-manual"]');
  });
});

describe('config store', () => {
  it('flags an invalid batch size by its key, then accepts the fix', () => {
    const s = useConfig.getState();
    s.loadPreset('unet2d');
    expect(useConfig.getState().parsed.ok).toBe(true);
    s.setField('training_parameters.batch_size', 0);
    expect(useConfig.getState().stale).toBe(true);
    const r = useConfig.getState().flush();
    expect(r.ok).toBe(false);
    expect(r.errors.map((e) => e.path)).toEqual(['training_parameters.batch_size']);
    expect(r.errors[0]!.message).toContain('training_parameters.batch_size: got 0');
    expect(currentConfig().parsed).toBeNull();
    s.setField('training_parameters.batch_size', 4);
    expect(currentConfig().parsed?.training_parameters.batch_size).toBe(4);
    // Clearing a field removes the key: ivadomed's default (18) applies.
    s.setField('training_parameters.batch_size', undefined);
    expect(currentConfig().parsed?.training_parameters.batch_size).toBe(18);
    expect(useConfig.getState().source.label).toBe('2D U-Net (edited)');
  });

  it('imports an old file with its migrations shown and the forms on the new keys; unknown keys kept on export', () => {
    const file = { UNet3D: { applied: true, length_3D: [64, 64, 16], stride_3D: [64, 64, 16] }, default_model: { name: 'Unet', depth: 2 }, my_note: 'keep me', transformation: { NormalizeInstance: { applied_to: ['im'] }, NumpyToTensor: {} } };
    expect(useConfig.getState().importText(JSON.stringify(file), 'old.json')).toBe(true);
    const st = useConfig.getState();
    expect(st.source).toMatchObject({ kind: 'imported', label: 'old.json' });
    expect(st.importMigrations.map((m) => m.message)).toEqual(['UNet3D renamed to Modified3DUNet', 'transformation.NumpyToTensor: removed (NumpyToTensor is always applied last)']);
    expect(st.raw.Modified3DUNet).toEqual(file.UNet3D);
    expect('UNet3D' in st.raw).toBe(false);
    expect(st.parsed.warnings.some((w) => w.path === 'my_note')).toBe(true);
    const text = currentConfigText();
    const again = parseConfig(text);
    expect(again.config).toEqual(st.parsed.config);
    expect((again.config as unknown as Record<string, unknown>).my_note).toBe('keep me');
    // omitDefaults writes less but parses to the same config.
    expect(parseConfig(currentConfigText({ omitDefaults: true })).config).toEqual(st.parsed.config);
  });

  it('keeps the current config when the imported text is not JSON', () => {
    useConfig.getState().loadPreset('hemisunet');
    expect(useConfig.getState().importText('{"a": ', 'broken.json')).toBe(false);
    expect(useConfig.getState().importError).toMatch(/^broken\.json: .*not valid JSON at line 1/);
    expect(useConfig.getState().source.presetId).toBe('hemisunet');
  });

  it('every preset, the sample included, loads valid', () => {
    for (const id of ['unet2d', 'filmedunet', 'hemisunet', 'modified3dunet', 'sample'] as const) {
      useConfig.getState().loadPreset(id);
      expect([id, useConfig.getState().parsed.errors]).toEqual([id, []]);
    }
    expect(currentConfig().parsed?.training_parameters.training_time.num_epochs).toBe(7);
  });
});

describe('model sections', () => {
  it('switching one on switches the others off, except the Modified3DUNet + FiLMedUnet pair', () => {
    const raw = { HeMISUnet: { applied: true }, Modified3DUNet: { applied: true }, FiLMedUnet: { applied: false } };
    expect(sectionsToSwitchOff('FiLMedUnet', raw)).toEqual(['HeMISUnet']);
    expect(sectionsToSwitchOff('resnet18', raw)).toEqual(['Modified3DUNet', 'HeMISUnet']);
    expect(sectionsToSwitchOff('HeMISUnet', raw)).toEqual(['Modified3DUNet']);
  });
  it('a section switched on starts valid: FiLM layers sized 2*depth+2 (10 with the 3D U-Net)', () => {
    expect((starterSection('FiLMedUnet', 3, {}).film_layers as number[]).length).toBe(8);
    expect((starterSection('FiLMedUnet', 3, { Modified3DUNet: { applied: true } }).film_layers as number[]).length).toBe(10);
    for (const name of ['FiLMedUnet', 'HeMISUnet', 'Modified3DUNet'] as const) {
      const raw: Record<string, unknown> = { default_model: { name: 'Unet', depth: 3 }, loader_parameters: { contrast_params: { training_validation: ['T1w', 'T2w', 'T2star'], testing: ['T1w', 'T2w', 'T2star'] }, target_suffix: ['_seg-manual'], multichannel: name === 'HeMISUnet' } };
      raw[name] = starterSection(name, 3, raw);
      if (name === 'Modified3DUNet') raw.transformation = { CenterCrop: { size: [128, 128, 16] } };
      expect([name, parseConfig(raw).errors]).toEqual([name, []]);
    }
  });
});

describe('starters', () => {
  it('every transform and postprocessing step added from the form validates', () => {
    for (const name of TRANSFORM_NAMES) {
      const r = parseConfig({ transformation: { [name]: transformStarter(name) }, loader_parameters: { roi_params: { suffix: '_seg-manual', slice_filter_roi: null } } });
      expect([name, r.errors]).toEqual([name, []]);
    }
    for (const name of POSTPROCESSING_STEP_NAMES) {
      const r = parseConfig({ postprocessing: { [name]: postprocessingStarter(name) }, uncertainty: { epistemic: true, aleatoric: false, n_it: 5 } });
      expect([name, r.errors]).toEqual([name, []]);
    }
  });
});

describe('transform preview', () => {
  const transformation = {
    NormalizeInstance: { applied_to: ['im'] },
    RandomAffine: { degrees: 10, applied_to: ['im', 'gt'], dataset_type: ['training'] },
    CenterCrop: { size: [16, 12] },
    Bogus: {},
  };

  it('orders the steps as ivadomed (preprocessing first) and per dataset type', () => {
    expect(pipelineNames(transformation, 'training')).toEqual(['CenterCrop', 'NormalizeInstance', 'RandomAffine', 'Bogus']);
    expect(pipelineNames(transformation, 'validation')).toEqual(['CenterCrop', 'NormalizeInstance', 'Bogus']);
  });

  it('shows each step cumulatively; a bad step is reported and skipped', () => {
    const vol = sampleVolume(0, 'T2w', 'axial');
    expect(vol.image.shape).toEqual([32, 32, 16]);
    const sample = previewSample(vol, 8, false);
    expect(sample.input[0]!.shape).toEqual([32, 32]);
    const steps = previewSteps(transformation, 'training', sample, 3);
    expect(steps.map((s) => s.name)).toEqual(['CenterCrop', 'NormalizeInstance', 'RandomAffine', 'Bogus']);
    expect(steps[0]!.image.shape).toEqual([16, 12]);
    expect(steps[0]!.label!.shape).toEqual([16, 12]);
    // NormalizeInstance: mean 0, std 1 on the cropped image; the label untouched.
    const d = steps[1]!.image.data;
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    expect(mean).toBeCloseTo(0, 4);
    expect(sd).toBeCloseTo(1, 3);
    expect(steps[1]!.label).toBe(steps[0]!.label);
    expect(steps[2]!.params?.angle).toBeDefined();
    expect(steps[3]!.error).toMatch(/Bogus: unknown transform/);
    expect(steps[3]!.image).toBe(steps[2]!.image);
    // The same seed draws the same parameters.
    expect(previewSteps(transformation, 'training', sample, 3)[2]!.image.data).toEqual(steps[2]!.image.data);
  });

  it('transforms the whole volume for 3D models (the Modified3DUNet preset)', () => {
    const vol = sampleVolume(1, 'T1w', 'axial');
    const t = getPreset('modified3dunet').file.transformation as Record<string, unknown>;
    const steps = previewSteps(t, 'training', previewSample(vol, 8, true), 1);
    expect(steps.map((s) => [s.name, s.error])).toEqual([['Resample', undefined], ['CenterCrop', undefined], ['RandomAffine', undefined], ['NormalizeInstance', undefined]]);
    // Resample 0.8x0.8x2 mm -> 1x1x2: 32 -> 26 voxels in plane (rounded as ivadomed), then cropped/padded to 128x128x16.
    expect(steps[0]!.image.shape).toEqual([26, 26, 16]);
    expect(steps[1]!.image.shape).toEqual([128, 128, 16]);
    expect(steps[1]!.label!.shape).toEqual([128, 128, 16]);
  });

  it('paints an [H, W] slice with H across and W upwards, labels in red', () => {
    const img = ndarray([0, 1, 2, 3, 4, 5], [2, 3]);
    const lab = ndarray([0, 0, 0, 0, 0, 1], [2, 3]);
    const { width, height, rgba } = toRgba(img, lab);
    expect([width, height]).toEqual([2, 3]);
    // canvas pixel (x=h, y=W-1-w): top-left is (h=0, w=2) = value 2; bottom-right is (h=1, w=0) = 3.
    const px = (x: number, y: number) => Array.from(rgba.slice((y * width + x) * 4, (y * width + x) * 4 + 4));
    expect(px(0, 2)).toEqual([0, 0, 0, 255]);
    expect(px(1, 0)[0]).toBeGreaterThan(px(1, 0)[1]!); // value 5, labelled: red tint
    expect(px(1, 2)).toEqual([153, 153, 153, 255]); // value 3 of 0..5 -> 153
  });
});

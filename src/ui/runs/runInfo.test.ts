import { describe, expect, it } from 'vitest';
import { appendPoint, emptyCurves } from '../charts/series';
import { compareCurves } from './compare';
import { folderDate, parseCurvesCsv, runFolderName, summarizeRun } from './runInfo';

const config = JSON.stringify({ model_name: 'synthetic_unet', training_parameters: { training_time: { num_epochs: 7 } } });
const epochs = (n: number) => Array.from({ length: n }, (_, i) => ({ epoch: i + 1 }));

describe('run folder names', () => {
  it('round-trips the local time stamp', () => {
    const d = new Date(2025, 0, 31, 23, 59, 8);
    const f = runFolderName('synthetic_unet', d);
    expect(f).toBe('runs/synthetic_unet-20250131-235908');
    expect(folderDate(f)!.getTime()).toBe(d.getTime());
    expect(folderDate('runs/no-stamp')).toBeNull();
  });
});

describe('summarizeRun', () => {
  const folder = 'runs/synthetic_unet-20250131-235908';
  it('stopped: the record says stopped and is as new as the checkpoint', () => {
    const s = summarizeRun(folder, { config, checkpoint: { epoch: 1, bestValDice: 0.08, seed: 6 }, record: { epochs: epochs(1), reason: 'stopped', bestValDice: 0.078, bestEpoch: 1 } });
    expect(s).toMatchObject({ modelName: 'synthetic_unet', epochsDone: 1, epochsPlanned: 7, status: 'stopped', resumable: true, bestValDice: 0.078, bestEpoch: 1, seed: 6 });
  });
  it('interrupted: a checkpoint without a record, or newer than the record', () => {
    expect(summarizeRun(folder, { config, checkpoint: { epoch: 2, bestValDice: 0.5, bestEpoch: 2 }, record: null })).toMatchObject({ status: 'interrupted', epochsDone: 2, resumable: true, bestValDice: 0.5 });
    expect(summarizeRun(folder, { config, checkpoint: { epoch: 3, bestValDice: 0.6, bestEpoch: 3 }, record: { epochs: epochs(1), reason: 'stopped', bestValDice: 0.1 } }))
      .toMatchObject({ status: 'interrupted', epochsDone: 3, bestValDice: 0.6 });
  });
  it('completed runs and early stopping are not resumable; a folder without an epoch is empty', () => {
    expect(summarizeRun(folder, { config, checkpoint: { epoch: 7 }, record: { epochs: epochs(7), reason: 'completed', bestValDice: 0.96 } })).toMatchObject({ status: 'completed', resumable: false });
    expect(summarizeRun(folder, { config, checkpoint: { epoch: 4 }, record: { epochs: epochs(4), reason: 'early-stopping' } })).toMatchObject({ status: 'completed', resumable: false });
    expect(summarizeRun(folder, { config, checkpoint: null, record: null })).toMatchObject({ status: 'empty', resumable: false, epochsDone: 0 });
  });
  it('the running folder is marked running and cannot be resumed', () => {
    expect(summarizeRun(folder, { config, checkpoint: { epoch: 1 }, record: null }, true)).toMatchObject({ status: 'running', resumable: false });
  });
  it('without a config, the model name comes from the folder', () => {
    expect(summarizeRun(folder, { config: null, checkpoint: null, record: null }).modelName).toBe('synthetic_unet');
  });
});

describe('curves', () => {
  const csv = 'epoch,lr,train_loss,train_dice_loss,val_loss,val_dice_loss,dice_score,train_seconds,val_seconds,best\n1,0.025,0.9,0.9,0.8,0.8,0.1,40,5,1\n2,0.02,0.5,0.5,0.4,0.4,,41,5,0\n';
  it('parses training_curves.csv with empty cells as NaN', () => {
    const t = parseCurvesCsv(csv);
    expect(t.epoch).toEqual([1, 2]);
    expect(t.columns.get('val_loss')).toEqual([0.8, 0.4]);
    expect(t.columns.get('dice_score')![1]).toBeNaN();
    expect(() => parseCurvesCsv('a,b\n1,2')).toThrow(/no "epoch" column/);
  });
  it('overlays runs on one epoch axis: Dice then loss per run', () => {
    const a = parseCurvesCsv(csv);
    const b = parseCurvesCsv('epoch,val_loss,dice_score\n1,0.7,0.2\n2,0.3,0.6\n3,0.2,0.9\n');
    const { series, data } = compareCurves([{ label: 'A', table: a }, { label: 'B', table: b }]);
    expect(series.map((s) => s.label)).toEqual(['A val Dice', 'A val loss', 'B val Dice', 'B val loss']);
    expect(series[0].axis).toBe('right');
    const expected = emptyCurves(4);
    appendPoint(expected, 0, 1, 0.1); appendPoint(expected, 1, 1, 0.8); appendPoint(expected, 0, 2, NaN); appendPoint(expected, 1, 2, 0.4);
    appendPoint(expected, 2, 1, 0.2); appendPoint(expected, 3, 1, 0.7); appendPoint(expected, 2, 2, 0.6); appendPoint(expected, 3, 2, 0.3);
    appendPoint(expected, 2, 3, 0.9); appendPoint(expected, 3, 3, 0.2);
    expect(data).toEqual(expected);
    expect(data.x).toEqual([1, 2, 3]);
    expect(data.ys[0]).toEqual([0.1, null, null]);
  });
});

describe('frame-time quantile', () => {
  it('nearest rank', async () => {
    const { quantile } = await import('./FrameTime');
    const gaps = Array.from({ length: 20 }, (_, i) => i + 1);  // 1..20
    expect(quantile(gaps, 0.95)).toBe(19);
    expect(quantile(gaps, 1)).toBe(20);
    expect(quantile([16, 17, 400], 0.5)).toBe(17);
    expect(quantile([], 0.95)).toBeNaN();
  });
});

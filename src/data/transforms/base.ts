/** Shared plumbing of the transform classes: option parsing and clear errors. */
import { DATASET_TYPES, ROLES, type DatasetType, type Role, type TransformOptions } from './types';

export function parseCommon(name: string, options: TransformOptions | undefined): { appliedTo: Set<Role>; datasetTypes: Set<DatasetType> } {
  const appliedTo = options?.applied_to ?? [...ROLES];
  const datasetTypes = options?.dataset_type ?? [...DATASET_TYPES];
  if (!Array.isArray(appliedTo)) throw new Error(`transformation.${name}.applied_to must be a list of "im", "gt", "roi", got ${JSON.stringify(appliedTo)}.`);
  for (const r of appliedTo) {
    if (!ROLES.includes(r)) throw new Error(`transformation.${name}.applied_to contains "${String(r)}": use "im", "gt" or "roi".`);
  }
  if (!Array.isArray(datasetTypes)) throw new Error(`transformation.${name}.dataset_type must be a list of "training", "validation", "testing", got ${JSON.stringify(datasetTypes)}.`);
  for (const d of datasetTypes) {
    if (!DATASET_TYPES.includes(d)) throw new Error(`transformation.${name}.dataset_type contains "${String(d)}": use "training", "validation" or "testing".`);
  }
  return { appliedTo: new Set(appliedTo), datasetTypes: new Set(datasetTypes) };
}

export function requireRange(name: string, key: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`transformation.${name}.${key} must be a list of two numbers [low, high], got ${JSON.stringify(v)}.`);
  }
  if (v[0] > v[1]) throw new Error(`transformation.${name}.${key} is [${v[0]}, ${v[1]}]: low must not exceed high.`);
  return [v[0], v[1]];
}

export function requireNumber(name: string, key: string, v: unknown, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`transformation.${name}.${key} must be a number, got ${JSON.stringify(v)}.`);
  return v;
}

export function requireProbability(name: string, key: string, v: unknown, fallback: number): number {
  const p = requireNumber(name, key, v, fallback);
  if (p < 0 || p > 1) throw new Error(`transformation.${name}.${key} must lie in [0, 1], got ${p}.`);
  return p;
}

export function requireSize(name: string, v: unknown): number[] {
  if (!Array.isArray(v) || (v.length !== 2 && v.length !== 3) || !v.every((x) => Number.isInteger(x) && x > 0)) {
    throw new Error(`transformation.${name}.size must be 2 or 3 positive integers ([H, W] or [H, W, D]), got ${JSON.stringify(v)}.`);
  }
  return v as number[];
}

/**
 * Location of ivadomed's test dataset (../shared/data/ivadomed-data-testing beside the repository) for
 * tests and benchmarks. Absent on a user's clone: tests skip with a message saying so.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const IVADOMED_TEST_DATA = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/ivadomed-data-testing',
);

export const hasIvadomedTestData = existsSync(path.join(IVADOMED_TEST_DATA, 'dataset_description.json'));

if (!hasIvadomedTestData) {
  console.warn(`[data tests] ivadomed test data not found at ${IVADOMED_TEST_DATA}: tests that need it are skipped.`);
}

export function testDataPath(...parts: string[]): string {
  return path.join(IVADOMED_TEST_DATA, ...parts);
}

/** Index of the first differing element, -1 when equal (vitest's deep equality is slow on big arrays). */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

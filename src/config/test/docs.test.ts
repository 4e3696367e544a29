import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { keysTable, postprocessingTable, transformsTable, variantsTable } from '../docs-table';

const DOC = path.resolve(__dirname, '../../../docs/config.md');

const sections: Record<string, () => string> = {
  keys: keysTable,
  transforms: transformsTable,
  postprocessing: postprocessingTable,
  losses: () => variantsTable('training_parameters.loss'),
  schedulers: () => variantsTable('training_parameters.scheduler.lr_scheduler'),
};

function render(doc: string): string {
  let out = doc;
  for (const [name, make] of Object.entries(sections)) {
    const re = new RegExp(`(<!-- BEGIN GENERATED ${name} -->\\n)[\\s\\S]*?(<!-- END GENERATED ${name} -->)`);
    if (!re.test(out)) throw new Error(`docs/config.md lacks the markers of the generated section "${name}"`);
    out = out.replace(re, (_m, begin: string, end: string) => `${begin}${make()}\n${end}`);
  }
  return out;
}

it('docs/config.md key tables match the schema (UPDATE_DOCS=1 rewrites them)', () => {
  const doc = readFileSync(DOC, 'utf8');
  const fresh = render(doc);
  if (process.env.UPDATE_DOCS === '1') writeFileSync(DOC, fresh);
  else expect(doc).toBe(fresh);
});

/**
 * Hyper-parameter grids of `ivadomed_automate_training` (e.g. ivadomed-data-testing's
 * hyperparameter_opt.json): the config's shape, with a list of candidate values at each swept key.
 * Each candidate is validated as if it were written in a config file.
 */
import { defaultsCopy } from './defaults';
import { closest, issue, showValue, type ConfigIssue } from './issues';
import { mergeIntoDefaults } from './merge';
import { IvadomedConfigSchema } from './schema';
import { schemaErrors } from './validate';
import { defOf, formatPath, isPlainObject, schemaAt, unwrap, type Path } from './walk';

export interface SweptParameter {
  /** Dotted path of the swept key, e.g. "training_parameters.batch_size". */
  path: string;
  values: unknown[];
}

export interface GridParseResult {
  parameters: SweptParameter[];
  ok: boolean;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

function nest(path: Path, value: unknown): Record<string, unknown> {
  let out: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) out = { [String(path[i])]: out };
  return out as Record<string, unknown>;
}

export function parseHyperparameterGrid(input: string | object): GridParseResult {
  let grid: unknown;
  try {
    grid = typeof input === 'string' ? JSON.parse(input) : structuredClone(input);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { parameters: [], ok: false, errors: [{ path: '(root)', message: `(root): the file is not valid JSON: ${msg}` }], warnings: [] };
  }
  const parameters: SweptParameter[] = [];
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  if (!isPlainObject(grid)) {
    return { parameters, ok: false, errors: [issue([], `got ${showValue(grid)}; must be an object shaped like a config, with lists of candidate values`)], warnings };
  }
  const visit = (node: Record<string, unknown>, path: string[]) => {
    for (const [k, v] of Object.entries(node)) {
      const at = [...path, k];
      const schema = schemaAt(IvadomedConfigSchema, at, {});
      const parentShape = defOf(unwrap(schemaAt(IvadomedConfigSchema, path, {}) ?? IvadomedConfigSchema)).shape;
      if (schema === undefined) {
        const suggestion = parentShape ? closest(k, Object.keys(parentShape)) : undefined;
        warnings.push(issue(at, `unknown key, not a config parameter${suggestion ? `; did you mean "${suggestion}"?` : ''}`, suggestion));
        continue;
      }
      if (isPlainObject(v)) {
        visit(v, at);
        continue;
      }
      if (!Array.isArray(v) || v.length === 0) {
        errors.push(issue(at, `got ${showValue(v)}; must be a non-empty list of candidate values`));
        continue;
      }
      parameters.push({ path: at.join('.'), values: v });
      v.forEach((candidate, i) => {
        const config = mergeIntoDefaults(defaultsCopy(), nest(at, candidate));
        const prefix = formatPath(at);
        for (const e of schemaErrors(IvadomedConfigSchema, config)) {
          if (e.path !== prefix && !e.path.startsWith(`${prefix}.`) && !e.path.startsWith(`${prefix}[`)) continue;
          const where = `${prefix}[${i}]${e.path.slice(prefix.length)}`;
          errors.push({ path: where, message: `${where}${e.message.slice(e.path.length)}` });
        }
      });
    }
  };
  visit(grid, []);
  return { parameters, ok: errors.length === 0, errors, warnings };
}

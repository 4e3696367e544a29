/**
 * The key tables of docs/config.md, generated from describeConfig() so the documentation cannot drift
 * from the schema (a test compares them with the file).
 */
import { describeConfig, type ConfigNode } from './describe';

const code = (v: unknown) => (v === undefined ? '' : `\`${JSON.stringify(v)}\``);
const cell = (s: string) => s.replace(/\|/g, '\\|');

function child(n: ConfigNode, key: string): ConfigNode {
  const c = n.children?.find((x) => x.key === key);
  if (!c) throw new Error(`describeConfig has no key ${n.path}.${key}`);
  return c;
}

function defaultCell(n: ConfigNode): string {
  if (n.default !== undefined) return code(n.default);
  if (n.codeDefault !== undefined) return `absent → ${code(n.codeDefault)}`;
  return n.required ? '' : '(absent)';
}

/** Every key of the config (ordered sections and "name"-selected objects summarised). */
export function keysTable(): string {
  const rows = ['| key | allowed | default | description |', '|---|---|---|---|'];
  const walk = (n: ConfigNode) => {
    if (n.path !== '' && (n.kind !== 'object' || n.ordered)) {
      const allowed = n.ordered ? 'ordered object (see tables below)' : n.allowed;
      const opt = n.required ? '' : ' (optional)';
      rows.push(`| ${n.path} | ${cell(allowed)}${opt} | ${n.ordered ? '`{}`' : defaultCell(n)} | ${cell(n.description)}${n.ignored ? ' *(read, not used)*' : ''} |`);
      return;
    }
    if (n.path !== '') rows.push(`| **${n.path}** | object${n.required ? '' : ' (optional)'} | | ${cell(n.description)} |`);
    n.children?.forEach(walk);
  };
  walk(describeConfig());
  return rows.join('\n');
}

function paramsOf(n: ConfigNode, skip: string[]): string {
  const ps = (n.children ?? []).filter((p) => !skip.includes(p.key));
  if (ps.length === 0) return '—';
  return ps
    .map((p) => {
      const opt = p.required ? '' : p.codeDefault !== undefined ? ` = ${JSON.stringify(p.codeDefault)}` : ' (optional)';
      return `\`${p.key}\`${opt}${p.ignored ? ' (ignored)' : ''}: ${p.allowed}`;
    })
    .map(cell)
    .join('; ');
}

export function transformsTable(): string {
  const t = child(describeConfig(), 'transformation');
  const rows = ['| transform | parameters (default when absent) | what it does |', '|---|---|---|'];
  for (const c of t.children ?? []) rows.push(`| ${c.key} | ${paramsOf(c, ['applied_to', 'dataset_type', 'preprocessing'])} | ${cell(c.description)} |`);
  return rows.join('\n');
}

export function postprocessingTable(): string {
  const p = child(describeConfig(), 'postprocessing');
  const rows = ['| step | parameters (default when absent) | what it does |', '|---|---|---|'];
  for (const c of p.children ?? []) rows.push(`| ${c.key} | ${paramsOf(c, [])} | ${cell(c.description)} |`);
  return rows.join('\n');
}

export function variantsTable(path: 'training_parameters.loss' | 'training_parameters.scheduler.lr_scheduler'): string {
  const keys = path.split('.');
  let n = describeConfig();
  for (const k of keys) n = child(n, k);
  const rows = ['| name | keyword arguments (default when absent) | what it is |', '|---|---|---|'];
  for (const v of n.variants ?? []) rows.push(`| ${v.name} | ${paramsOf(v.node, ['name'])} | ${cell(v.node.description)} |`);
  return rows.join('\n');
}

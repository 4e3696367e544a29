/**
 * Keyword arguments of each loss, spelled and defaulted exactly as ivadomed's constructors
 * (losses.py, INVENTORY §c) and the config schema (src/config/schema/losses.ts; a test keeps the two
 * in step). `resolveKwargs` fills defaults and rejects unknown keys and invalid values with an
 * error naming the loss, the key, the value and what is allowed.
 */

interface NumberRule {
  kind: 'number';
  default: number;
  min?: number;
  gt?: number;
  max?: number;
  lt?: number;
}
interface BooleanRule {
  kind: 'boolean';
  default: boolean;
}
/** null (every channel) or a non-empty list of channel indices. */
interface IndexListRule {
  kind: 'indexList';
  default: null;
}
/** LossCombination's names (required) and per-loss kwargs (null = defaults everywhere). */
interface LossNamesRule {
  kind: 'lossNames';
}
interface ParamsListRule {
  kind: 'paramsList';
  default: null;
}
export type KwargRule = NumberRule | BooleanRule | IndexListRule | LossNamesRule | ParamsListRule;

const num = (def: number, range: Omit<NumberRule, 'kind' | 'default'> = {}): NumberRule => ({ kind: 'number', default: def, ...range });

export const LOSS_KWARGS = {
  DiceLoss: { smooth: num(1.0, { min: 0 }) },
  MultiClassDiceLoss: { classes_of_interest: { kind: 'indexList', default: null } },
  BinaryCrossEntropyLoss: {},
  FocalLoss: { gamma: num(2, { min: 0 }), alpha: num(0.25, { min: 0, max: 1 }), eps: num(1e-7, { gt: 0, lt: 0.5 }) },
  FocalDiceLoss: { beta: num(1, { min: 0 }), gamma: num(2, { min: 0 }), alpha: num(0.25, { min: 0, max: 1 }) },
  GeneralizedDiceLoss: { epsilon: num(1e-5, { gt: 0 }), include_background: { kind: 'boolean', default: true } },
  TverskyLoss: { alpha: num(0.7, { min: 0 }), beta: num(0.3, { min: 0 }), smooth: num(1.0, { min: 0 }) },
  FocalTverskyLoss: { alpha: num(0.7, { min: 0 }), beta: num(0.3, { min: 0 }), gamma: num(1.33, { gt: 0 }), smooth: num(1.0, { min: 0 }) },
  L2loss: {},
  AdapWingLoss: { theta: num(0.5, { gt: 0 }), alpha: num(2.1, { gt: 0 }), omega: num(14, { gt: 0 }), epsilon: num(1, { gt: 0 }) },
  LossCombination: { losses_list: { kind: 'lossNames' }, params_list: { kind: 'paramsList', default: null } },
} as const satisfies Record<string, Record<string, KwargRule>>;

export type LossName = keyof typeof LOSS_KWARGS;
export const LOSS_NAMES = Object.keys(LOSS_KWARGS) as LossName[];

export function isLossName(name: unknown): name is LossName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(LOSS_KWARGS, name);
}

/** Throws unless `name` is a loss name; the message lists the names. */
export function checkLossName(name: unknown, where = 'loss name'): LossName {
  if (isLossName(name)) return name;
  throw new Error(`unknown ${where} ${show(name)}; allowed: ${LOSS_NAMES.join(', ')}`);
}

export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** "must be ..." text of a rule. */
export function allowedText(rule: KwargRule): string {
  switch (rule.kind) {
    case 'number': {
      const lo = rule.min !== undefined ? `>= ${rule.min}` : rule.gt !== undefined ? `> ${rule.gt}` : '';
      const hi = rule.max !== undefined ? `<= ${rule.max}` : rule.lt !== undefined ? `< ${rule.lt}` : '';
      return `a finite number${lo || hi ? ' ' : ''}${[lo, hi].filter(Boolean).join(' and ')}`;
    }
    case 'boolean':
      return 'true or false';
    case 'indexList':
      return 'null or a non-empty list of channel indices (integers >= 0)';
    case 'lossNames':
      return `a non-empty list of loss names (${LOSS_NAMES.filter((n) => n !== 'LossCombination').join(', ')})`;
    case 'paramsList':
      return 'null or a list with one entry per losses_list entry, each null or an object of that loss\'s keyword arguments';
  }
}

function valid(rule: KwargRule, v: unknown): boolean {
  switch (rule.kind) {
    case 'number':
      return (
        typeof v === 'number' && Number.isFinite(v) &&
        (rule.min === undefined || v >= rule.min) && (rule.gt === undefined || v > rule.gt) &&
        (rule.max === undefined || v <= rule.max) && (rule.lt === undefined || v < rule.lt)
      );
    case 'boolean':
      return typeof v === 'boolean';
    case 'indexList':
      return v === null || (Array.isArray(v) && v.length > 0 && v.every((i) => Number.isInteger(i) && i >= 0));
    case 'lossNames':
      return Array.isArray(v) && v.length > 0 && v.every((n) => isLossName(n) && n !== 'LossCombination');
    case 'paramsList':
      return v === null || (Array.isArray(v) && v.every((p) => p === null || (typeof p === 'object' && !Array.isArray(p))));
  }
}

type Resolved<R> = R extends NumberRule ? number : R extends BooleanRule ? boolean : R extends IndexListRule ? number[] | null
  : R extends LossNamesRule ? LossName[] : R extends ParamsListRule ? Array<Record<string, unknown> | null> | null : never;
export type KwargsOf<N extends LossName> = { -readonly [K in keyof (typeof LOSS_KWARGS)[N]]: Resolved<(typeof LOSS_KWARGS)[N][K]> };
/** What a constructor accepts: every kwarg optional (absent or undefined = ivadomed's default). */
export type OptionsOf<N extends LossName> = Partial<KwargsOf<N>>;

/**
 * Defaults filled in, unknown keys and invalid values rejected. `name` (the config's selector) is
 * ignored; an undefined value means "use the default" (like a key left out).
 */
export function resolveKwargs<N extends LossName>(lossName: N, given: Record<string, unknown> = {}): KwargsOf<N> {
  const rules = LOSS_KWARGS[lossName] as Record<string, KwargRule>;
  const keys = Object.keys(rules);
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new Error(`${lossName}: keyword arguments must be an object, got ${show(given)}`);
  }
  for (const [key, value] of Object.entries(given)) {
    if (key === 'name' || value === undefined) continue;
    if (!(key in rules)) {
      throw new Error(
        `${lossName}: unknown keyword argument "${key}" (value ${show(value)}); ` +
          (keys.length ? `allowed: ${keys.join(', ')}` : `${lossName} takes no keyword arguments`),
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const rule = rules[key];
    const value = given[key];
    if (value === undefined) {
      if (!('default' in rule)) throw new Error(`${lossName}: keyword argument "${key}" is required; it must be ${allowedText(rule)}`);
      out[key] = rule.default;
      continue;
    }
    if (!valid(rule, value)) throw new Error(`${lossName}: keyword argument "${key}" = ${show(value)} is invalid; it must be ${allowedText(rule)}`);
    out[key] = Array.isArray(value) ? [...value] : value;
  }
  return out as KwargsOf<N>;
}

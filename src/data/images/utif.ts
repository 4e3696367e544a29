/**
 * utif2 is CommonJS: a namespace import carries its functions under `default` in Node's ESM loader
 * (tsx, the CLI) and directly under Vite. Resolve both once here.
 */
import * as UTIFns from 'utif2';

export const UTIF: typeof UTIFns = (UTIFns as unknown as { default?: typeof UTIFns }).default ?? UTIFns;
export type IFD = UTIFns.IFD;

#!/usr/bin/env node
// ivadomed-web command line: `ivadomed-web --train -c config.json -pd data -po output` (see docs/cli.md).
// Registers TypeScript (tsx) and ?raw imports like bin/node-register.mjs, then runs src/cli/main.ts.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./raw-hooks.mjs', import.meta.url);

const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// Dawn keeps the event loop alive while a device exists: exit explicitly once stdout has drained.
process.stdout.write('', () => process.exit(code));

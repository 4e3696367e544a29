// Registers TypeScript (tsx) and ?raw imports for running the project's sources in Node:
//   node --import ./bin/node-register.mjs some/file.ts
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./raw-hooks.mjs', import.meta.url);

/**
 * path_output/version_info.log, as ivadomed writes it at the start of a training: the software
 * version, where it runs (ivadomed: OS and CPU count; here also the GPU adapter and the engine
 * backend) and the full resolved config. ivadomed also records the dataset's git-annex commit; a
 * folder opened in a browser has no git metadata, so that line is left out.
 */
import { serializeConfig, type IvadomedConfig } from '../config/index';
import { VERSION } from '../version';

interface Environment {
  platform: string;
  cpus: number | null;
}

/** What the runtime says about itself: Node's process, or the browser's navigator (page or worker). */
function environment(): Environment {
  const proc = (globalThis as { process?: { versions?: { node?: string }; platform?: string; arch?: string } }).process;
  const nav = (globalThis as { navigator?: { userAgent?: string; hardwareConcurrency?: number } }).navigator;
  if (proc?.versions?.node) {
    return { platform: `Node.js ${proc.versions.node} on ${proc.platform}-${proc.arch}`, cpus: nav?.hardwareConcurrency ?? null };
  }
  return { platform: nav?.userAgent ?? 'unknown', cpus: nav?.hardwareConcurrency ?? null };
}

export function versionInfo(config: IvadomedConfig, run: { adapter: string; backend: string; date?: Date }): string {
  const env = environment();
  return [
    `ivadomed-web (${VERSION})`,
    `Date: ${(run.date ?? new Date()).toISOString()}`,
    `Platform: ${env.platform}`,
    `CPU cores: ${env.cpus ?? 'unknown'}`,
    `Backend: ${run.backend}`,
    `Adapter: ${run.adapter}`,
    'Config:',
    serializeConfig(config),
    '',
  ].join('\n');
}

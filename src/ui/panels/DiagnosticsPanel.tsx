import { useCallback, useEffect, useState } from 'react';
import { gpuWorker } from '../../worker/client';
import type { GpuDiagnosis } from '../../worker/gpu.worker';
import { probeWebGL2, type WebGL2Report } from '../webgl';

interface Diagnosis {
  webgpu: GpuDiagnosis;
  webgl2: WebGL2Report;
  userAgent: string;
  secureContext: boolean;
}

const KEY_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
];

function formatLimit(value: number): string {
  return value >= 1 << 20 ? `${value.toLocaleString('en')} (${(value / (1 << 20)).toFixed(0)} MiB)` : value.toLocaleString('en');
}

export function DiagnosticsPanel() {
  const [diagnosis, setDiagnosis] = useState<Diagnosis | null>(null);
  const [running, setRunning] = useState(false);
  const [copied, setCopied] = useState(false);

  const run = useCallback(async () => {
    setRunning(true);
    try {
      const webgpu = 'gpu' in navigator ? await gpuWorker().diagnose() : { available: false, error: 'navigator.gpu is undefined in this browser' };
      setDiagnosis({ webgpu, webgl2: probeWebGL2(), userAgent: navigator.userAgent, secureContext: window.isSecureContext });
    } finally {
      setRunning(false);
    }
  }, []);

  useEffect(() => {
    void run();
  }, [run]);

  const copy = async () => {
    if (!diagnosis) return;
    await navigator.clipboard.writeText(JSON.stringify(diagnosis, null, 2));
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };

  const gpu = diagnosis?.webgpu;
  return (
    <section className="panel diagnostics" aria-label="Diagnostics">
      <div className="panel-head">
        <h2>Diagnostics</h2>
        <div className="actions">
          <button onClick={() => void run()} disabled={running}>
            {running ? 'Checking…' : 'Run checks again'}
          </button>
          <button onClick={() => void copy()} disabled={!diagnosis}>
            {copied ? 'Copied' : 'Copy report'}
          </button>
        </div>
      </div>
      {!diagnosis && <p>Checking WebGPU and WebGL2…</p>}
      {diagnosis && (
        <>
          <h3>WebGPU (training and inference)</h3>
          {gpu?.available && gpu.report ? (
            <div data-testid="webgpu-status" data-available="true">
              <dl className="facts">
                <dt>Vendor</dt>
                <dd data-testid="adapter-vendor">{gpu.report.vendor || '—'}</dd>
                <dt>Architecture</dt>
                <dd>{gpu.report.architecture || '—'}</dd>
                <dt>Device</dt>
                <dd>{gpu.report.device || gpu.report.description || '—'}</dd>
                <dt>Features</dt>
                <dd>{gpu.report.features.join(', ') || 'none'}</dd>
                {KEY_LIMITS.filter((k) => k in gpu.report!.limits).map((k) => (
                  <FactRow key={k} name={k} value={formatLimit(gpu.report!.limits[k])} />
                ))}
              </dl>
              {gpu.selfTest && (
                <p data-testid="selftest" data-ok={String(gpu.selfTest.ok)} data-max-error={gpu.selfTest.maxAbsError} data-n={gpu.selfTest.n}>
                  Kernel self-test (a·x + y on {gpu.selfTest.n.toLocaleString('en')} values):{' '}
                  <strong className={gpu.selfTest.ok ? 'good' : 'bad'}>{gpu.selfTest.ok ? 'passed' : 'FAILED'}</strong>, max error{' '}
                  {gpu.selfTest.maxAbsError.toExponential(2)}, {gpu.selfTest.millis.toFixed(1)} ms.
                </p>
              )}
            </div>
          ) : (
            <div data-testid="webgpu-status" data-available="false" className="problem">
              <p>
                <strong>WebGPU is not available here.</strong> {gpu?.error}
              </p>
              <p>
                Training and GPU inference need WebGPU: Chrome or Edge 113+ (on Linux start with{' '}
                <code>--enable-unsafe-webgpu</code>), Safari 26+, or Firefox 141+ on Windows, on a page served over https or from
                localhost{diagnosis.secureContext ? '' : ' (this page is not a secure context)'}. You can still open and view images.
              </p>
            </div>
          )}
          <h3>WebGL2 (viewer)</h3>
          <div data-testid="webgl2-status" data-available={String(diagnosis.webgl2.available)}>
            {diagnosis.webgl2.available ? (
              <dl className="facts">
                <dt>Renderer</dt>
                <dd>{diagnosis.webgl2.renderer}</dd>
                <dt>Max 3D texture</dt>
                <dd>{diagnosis.webgl2.max3DTextureSize}</dd>
              </dl>
            ) : (
              <p className="problem">{diagnosis.webgl2.error}</p>
            )}
          </div>
          <h3>Browser</h3>
          <p className="mono">{diagnosis.userAgent}</p>
        </>
      )}
    </section>
  );
}

function FactRow({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  );
}

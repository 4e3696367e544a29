/**
 * Failures shown, never swallowed: the worker's message sorted by classifyFailure into what the
 * user can do (a browser with WebGPU, resume after a lost device, a smaller batch or patch, replace
 * the named file), with the message itself kept for the record.
 */
import { classifyFailure, WEBGPU_HELP } from './errors';

export interface FailureNoticeProps {
  message: string;
  /** Resume the failed run from its last checkpoint (offered when a checkpoint exists). */
  onResume?: () => void;
}

export function FailureNotice({ message, onResume }: FailureNoticeProps) {
  const f = classifyFailure(message);
  return (
    <div className="problem failure-notice train-error" role="alert" data-testid="train-error" data-kind={f.kind} data-file={f.file}>
      <p>
        <strong>{f.title}.</strong> {f.advice}
      </p>
      {f.kind === 'device-lost' && onResume && (
        <button type="button" onClick={onResume}>
          Resume from the last checkpoint
        </button>
      )}
      {f.kind !== 'device-lost' && onResume && (
        <p>The checkpoint of the last finished epoch is kept; fix the cause and use "Continue from checkpoint".</p>
      )}
      <details open={f.kind === 'other' || f.kind === 'config'}>
        <summary>Message from the GPU worker</summary>
        <pre data-testid="train-error-message">{f.message}</pre>
      </details>
    </div>
  );
}

/** True when the page has no WebGPU at all (the worker would fail the same way). */
export function webGpuMissing(): boolean {
  return typeof navigator === 'undefined' || !('gpu' in navigator) || !(navigator as Navigator & { gpu?: unknown }).gpu;
}

/** Shown before anything is started when the browser has no WebGPU. */
export function WebGpuNotice() {
  if (!webGpuMissing()) return null;
  return (
    <div className="problem failure-notice" role="alert" data-testid="webgpu-missing">
      <p>
        <strong>This browser has no WebGPU, so training cannot run here.</strong> {WEBGPU_HELP}
      </p>
    </div>
  );
}

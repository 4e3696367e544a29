/** A small readout of GPU memory held by the engine: live and peak bytes against the adapter's limit. */
import { formatBytes } from './format';

export interface GpuMemoryProps {
  /** Bytes in live GPU buffers now. */
  liveBytes: number;
  /** Highest liveBytes seen in this run. */
  peakBytes?: number;
  /** A budget to compare with (e.g. the adapter's maxBufferSize times a few, or a user setting). */
  limitBytes?: number;
  liveTensors?: number;
}

export function GpuMemory({ liveBytes, peakBytes, limitBytes, liveTensors }: GpuMemoryProps) {
  const ratio = limitBytes ? Math.min(1, liveBytes / limitBytes) : null;
  return (
    <div className="gpu-memory" data-testid="gpu-memory" data-live={liveBytes}>
      <span className="muted">GPU memory</span>
      <strong>{formatBytes(liveBytes)}</strong>
      {peakBytes != null && <span className="muted">peak {formatBytes(peakBytes)}</span>}
      {liveTensors != null && <span className="muted">{liveTensors.toLocaleString('en')} tensors</span>}
      {ratio != null && (
        <meter min={0} max={1} low={0.7} high={0.9} optimum={0.2} value={ratio} aria-label={`GPU memory in use: ${Math.round(ratio * 100)}% of ${formatBytes(limitBytes)}`} />
      )}
    </div>
  );
}

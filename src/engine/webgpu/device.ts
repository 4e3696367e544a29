/**
 * Acquiring a GPUDevice with the adapter's own limits and the features the engine can use,
 * and describing the adapter for diagnostics. Works on any `GPU` object: navigator.gpu in the
 * browser or a Dawn instance in Node (see node.ts); nothing here imports Node modules.
 */
import { GPUDeviceLostError, GPUOutOfMemoryError, GPUValidationError, WebGPUUnavailableError } from './errors';

/** Features the engine uses when the adapter has them. */
const OPTIONAL_FEATURES: GPUFeatureName[] = ['shader-f16', 'subgroups', 'timestamp-query'];

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  limits: Record<string, number>;
}

export interface AcquiredDevice {
  adapter: GPUAdapter;
  device: GPUDevice;
  report: AdapterReport;
  /** Errors reported by the device outside any error scope (validation, OOM, internal). */
  uncapturedErrors: Error[];
  /** Resolves when the device is lost. */
  lost: Promise<GPUDeviceLostError>;
}

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Lower some limits below the adapter's (tests use this to force chunked paths). */
  limitOverrides?: Partial<Record<keyof GPUSupportedLimits, number>>;
}

/** Copies the numeric fields of a GPUSupportedLimits (its properties live on the prototype). */
export function limitsToRecord(limits: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  for (let proto: object | null = limits; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const value = (limits as unknown as Record<string, unknown>)[key];
      if (typeof value === 'number' && !(key in out)) out[key] = value;
    }
  }
  return out;
}

export function describeAdapter(adapter: GPUAdapter): AdapterReport {
  const info = adapter.info;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter),
    features: [...adapter.features].map(String).sort(),
    limits: limitsToRecord(adapter.limits),
  };
}

/** A one-line name for logs and benchmark tables, e.g. "mesa llvmpipe (LLVM 19.1.7, 256 bits)". */
export function adapterName(report: AdapterReport): string {
  const parts = [report.vendor, report.architecture, report.device, report.description].filter(Boolean);
  return parts.length ? [...new Set(parts)].join(' / ') : 'unknown adapter';
}

export async function acquireDevice(gpu: GPU | undefined, options: AcquireOptions = {}): Promise<AcquiredDevice> {
  if (!gpu) throw new WebGPUUnavailableError('no GPU object (navigator.gpu is undefined)');
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new WebGPUUnavailableError('requestAdapter() returned no adapter');

  const adapterLimits = limitsToRecord(adapter.limits);
  const requiredLimits: Record<string, number> = {};
  for (const [key, value] of Object.entries(adapterLimits)) {
    // Dawn reports some limits (e.g. subgroup sizes) that are not requestable; keep only max*/min* limits.
    if (!/^(max|min)/.test(key)) continue;
    const override = options.limitOverrides?.[key as keyof GPUSupportedLimits];
    requiredLimits[key] = override !== undefined ? override : value;
  }
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });

  const uncapturedErrors: Error[] = [];
  device.addEventListener('uncapturederror', (event) => {
    const err = (event as GPUUncapturedErrorEvent).error;
    uncapturedErrors.push(toEngineError(err));
  });
  const lost = device.lost.then((info) => new GPUDeviceLostError(info.reason, info.message));

  const report = describeAdapter(adapter);
  // The device's limits are what the engine must respect (they include overrides).
  report.limits = limitsToRecord(device.limits);
  return { adapter, device, report, uncapturedErrors, lost };
}

export function toEngineError(err: GPUError): Error {
  // The browser's GPUOutOfMemoryError class is not our GPUOutOfMemoryError; match it by name.
  if (err.constructor?.name === 'GPUOutOfMemoryError') {
    return new GPUOutOfMemoryError(err.message);
  }
  return new GPUValidationError(err.message);
}

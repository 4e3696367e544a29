/** Errors raised by the WebGPU layer. Each message names what went wrong and what to do. */

export class WebGPUUnavailableError extends Error {
  constructor(reason: string) {
    super(
      `WebGPU is not available: ${reason}. ` +
        'Use a browser with WebGPU enabled (Chrome/Edge 113+, or Chromium with --enable-unsafe-webgpu; ' +
        'Firefox 141+ on Windows; Safari 26+), served from https:// or http://localhost. ' +
        'In Node, install a Vulkan driver (e.g. Mesa lavapipe: scripts/install-system-deps.sh).',
    );
    this.name = 'WebGPUUnavailableError';
  }
}

export class GPUDeviceLostError extends Error {
  constructor(reason: string, message: string) {
    super(
      `The GPU device was lost (${reason}${message ? `: ${message}` : ''}). ` +
        'Work done so far is kept; start again (or resume from the last checkpoint) to get a new device.',
    );
    this.name = 'GPUDeviceLostError';
  }
}

export class GPUValidationError extends Error {
  constructor(message: string) {
    super(`WebGPU rejected a command: ${message}`);
    this.name = 'GPUValidationError';
  }
}

export class GPUOutOfMemoryError extends Error {
  constructor(message: string) {
    super(
      `The GPU ran out of memory (${message}). Try a smaller batch size, a smaller patch ` +
        '(length_2D / length_3D) or fewer filters.',
    );
    this.name = 'GPUOutOfMemoryError';
  }
}

import { describe, expect, it } from 'vitest';
import { GPUDeviceLostError, GPUOutOfMemoryError, GPUValidationError, WebGPUUnavailableError } from '../../engine/webgpu/errors';
import { classifyFailure } from './errors';

// Messages as the worker forwards them: the engine's error classes, the engine's buffer-limit checks
// (src/engine/webgpu/backend.ts) and the NIfTI readers (src/data/nifti/*).
describe('classifyFailure', () => {
  it('WebGPU missing, from both of the engine messages', () => {
    for (const reason of ['no GPU object (navigator.gpu is undefined)', 'requestAdapter() returned no adapter']) {
      const f = classifyFailure(new WebGPUUnavailableError(reason).message);
      expect(f.kind).toBe('webgpu-missing');
      expect(f.advice).toMatch(/Chrome or Edge 113\+/);
      expect(f.advice).toMatch(/Firefox Nightly/);
      expect(f.advice).toMatch(/Safari 18 Technology Preview/);
      expect(f.advice).toMatch(/ONNX Runtime \(wasm/);
    }
  });

  it('device lost', () => {
    const f = classifyFailure(new GPUDeviceLostError('unknown', 'Device was destroyed.').message);
    expect(f.kind).toBe('device-lost');
    expect(classifyFailure(new GPUDeviceLostError('destroyed', '').message).kind).toBe('device-lost');
  });

  it('out of memory: the error scope class and the buffer-limit checks', () => {
    expect(classifyFailure(new GPUOutOfMemoryError('Failed to allocate buffer').message).kind).toBe('out-of-memory');
    expect(classifyFailure("a tensor of 300000000 elements (1200000000 bytes) exceeds this GPU's maxBufferSize (268435456 bytes); use smaller patches or batches").kind).toBe('out-of-memory');
    const f = classifyFailure('conv2d: an operand of 200000000 bytes exceeds maxStorageBufferBindingSize (134217728); this op has no chunked path for it. Use smaller patches or batches.');
    expect(f.kind).toBe('out-of-memory');
    expect(f.advice).toMatch(/batch_size/);
    expect(f.advice).toMatch(/length_2D/);
  });

  it('a bad file is named', () => {
    const samples: [string, string][] = [
      ['sub-01/anat/sub-01_T1w.nii.gz: not a NIfTI file (sizeof_hdr is neither 348 nor 540 in either byte order). Is it a NIfTI (.nii / .nii.gz) image?', 'sub-01/anat/sub-01_T1w.nii.gz'],
      ['sub-02/anat/sub-02_T2w.nii.gz: gzip data is truncated or corrupted (unexpected EOF). The file is incomplete; copy it again.', 'sub-02/anat/sub-02_T2w.nii.gz'],
      ['derivatives/labels/sub-03/anat/sub-03_T2w_seg-manual.nii: truncated image data (100 of 4096 bytes after the header). The file is incomplete or corrupted; copy it again.', 'derivatives/labels/sub-03/anat/sub-03_T2w_seg-manual.nii'],
      ['x.nii: NIfTI datatype complex64 is not supported (supported: uint8, int8, int16, uint16, int32, uint32, float32, float64, RGB24, RGBA32). Convert the image, e.g. to float32.', 'x.nii'],
    ];
    for (const [message, file] of samples) {
      const f = classifyFailure(message);
      expect(f.kind, message).toBe('bad-file');
      expect(f.file).toBe(file);
      expect(f.title).toContain(file);
    }
  });

  it('configuration errors and anything else', () => {
    expect(classifyFailure('The configuration is not valid:\n• training_parameters.batch_size: got 0; must be an integer >= 1').kind).toBe('config');
    expect(classifyFailure(new GPUValidationError('Binding size is too small').message).kind).toBe('other');
    expect(classifyFailure('A training is already running in this page: stop it (or wait for it to finish) before starting another.').kind).toBe('other');
    // A file named in a message that is not about the file's content is not a bad file.
    expect(classifyFailure('Cannot resume: runs/x has no checkpoint.json / checkpoint.safetensors (no earlier training wrote there). Start a new training instead.').kind).toBe('other');
  });
});

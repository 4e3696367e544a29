/**
 * Adapter self-test: runs kernels/selftest_saxpy.wgsl on the device and compares every element with
 * the same arithmetic done in f32 on the CPU. Used by the diagnostics panel, the unit tests and e2e.
 */
import saxpyWgsl from '../../../kernels/selftest_saxpy.wgsl?raw';

export interface SelfTestResult {
  n: number;
  maxAbsError: number;
  ok: boolean;
  millis: number;
  /** A few values for display: [x, y, gpu, cpu] of the first elements. */
  sample: Array<[number, number, number, number]>;
}

/** Deterministic inputs so a result can be checked by anyone: x_i = sin(i), y_i = cos(i) / 2. */
export function selfTestInputs(n: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = Math.sin(i);
    y[i] = Math.cos(i) / 2;
  }
  return { x, y };
}

export async function runSaxpy(device: GPUDevice, a: number, x: Float32Array, y: Float32Array): Promise<Float32Array> {
  if (x.length !== y.length) throw new Error(`saxpy: x has ${x.length} elements but y has ${y.length}`);
  const n = x.length;
  const module = device.createShaderModule({ code: saxpyWgsl, label: 'selftest_saxpy' });
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });

  const workgroups = Math.ceil(n / 64);
  const maxX = device.limits.maxComputeWorkgroupsPerDimension;
  const groupsX = Math.min(workgroups, maxX);
  const groupsY = Math.ceil(workgroups / groupsX);

  const params = new ArrayBuffer(16);
  new Float32Array(params, 0, 1)[0] = a;
  new Uint32Array(params, 4, 3).set([n, groupsX * 64, 0]);
  const bytes = n * 4;
  const uniform = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const xBuf = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const yBuf = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  const readBuf = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    device.queue.writeBuffer(uniform, 0, params);
    device.queue.writeBuffer(xBuf, 0, x.buffer, x.byteOffset, bytes);
    device.queue.writeBuffer(yBuf, 0, y.buffer, y.byteOffset, bytes);
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: uniform } },
        { binding: 1, resource: { buffer: xBuf } },
        { binding: 2, resource: { buffer: yBuf } },
      ],
    });
    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groupsX, groupsY);
    pass.end();
    encoder.copyBufferToBuffer(yBuf, 0, readBuf, 0, bytes);
    device.queue.submit([encoder.finish()]);
    const error = await device.popErrorScope();
    if (error) throw new Error(`saxpy dispatch rejected: ${error.message}`);
    await readBuf.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(readBuf.getMappedRange().slice(0));
    readBuf.unmap();
    return out;
  } finally {
    for (const b of [uniform, xBuf, yBuf, readBuf]) b.destroy();
  }
}

export async function runSelfTest(device: GPUDevice, n = 100_000): Promise<SelfTestResult> {
  const a = 2.5;
  const { x, y } = selfTestInputs(n);
  const t0 = performance.now();
  const gpu = await runSaxpy(device, a, x, y);
  const millis = performance.now() - t0;
  let maxAbsError = 0;
  const sample: SelfTestResult['sample'] = [];
  const f = Math.fround;
  for (let i = 0; i < n; i++) {
    const cpu = f(f(f(a) * x[i]) + y[i]);
    const err = Math.abs(cpu - gpu[i]);
    if (!(err <= maxAbsError)) maxAbsError = Number.isNaN(err) ? Infinity : err;
    if (i < 4) sample.push([x[i], y[i], gpu[i], cpu]);
  }
  // A fused multiply-add on the GPU may differ from the CPU's two roundings by one ulp.
  return { n, maxAbsError, ok: maxAbsError <= 1e-6, millis, sample };
}

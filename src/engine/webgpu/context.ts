/**
 * GpuContext: the one place that turns WGSL into cached pipelines and records dispatches.
 *
 * Conventions every kernel follows (so kernels and ops never hand-build bind groups):
 *  - @group(0) @binding(0) is a `var<uniform> params: Params` struct (may be omitted: pass no params);
 *  - @binding(1..n) are the storage buffers, in the order given to `dispatch`.
 * Dispatches are recorded into one command encoder per step and submitted by `flush()`: a training
 * step becomes a single submit. Uniform parameters go into a per-submit arena (256-byte slots in one
 * buffer, written once at flush): queue order guarantees a slot may be reused after the submit.
 */

import { installPollBackoff } from './wait';

/**
 * One recorded dispatch, kept only while profiling (see profile.ts): enough to re-encode it alone
 * later (its uniform bytes are re-written at replay, since the arena slot is reused).
 */
export interface DispatchRecord {
  label: string;
  /** What the caller set in `ctx.profileTag` when the dispatch was recorded (op and shapes). */
  tag: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
  uniform: { buffer: GPUBuffer; offset: number; bytes: Uint8Array } | null;
}

export type BufferBinding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

export interface PipelineKey {
  /** Shown in validation errors and GPU captures. */
  label: string;
  code: string;
  entryPoint?: string;
  /** Values for WGSL `override` declarations (tile sizes, workgroup sizes). */
  constants?: Record<string, number>;
}

const ARENA_SLOTS = 1024;

interface ArenaChunk {
  buffer: GPUBuffer;
  staging: Uint8Array;
}

export class GpuContext {
  readonly device: GPUDevice;
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /** label:entryPoint{constants} per pipeline, for profiles. */
  private readonly pipelineNames = new WeakMap<GPUComputePipeline, string>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly slotSize: number;
  private readonly arena: ArenaChunk[] = [];
  private slotsUsed = 0;
  /** Dispatches recorded since the context was created (for tests and benchmarks). */
  dispatchCount = 0;
  submitCount = 0;
  /**
   * Opt-in profiling: when an array, every dispatch is also appended to it (replayed and timed
   * one by one afterwards by profile.ts). Null (the default) costs one comparison per dispatch.
   */
  profileRecords: DispatchRecord[] | null = null;
  /** Free text attached to profiled dispatches (the op and its shapes); set by the profiler. */
  profileTag = '';

  constructor(device: GPUDevice) {
    this.device = device;
    // On Node, make Dawn sleep between polls while sync()/readbacks wait (see wait.ts); no-op in browsers.
    installPollBackoff();
    this.slotSize = Math.max(256, device.limits.minUniformBufferOffsetAlignment);
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** A compiled compute pipeline, cached by source, entry point and override constants. */
  pipeline(key: PipelineKey): GPUComputePipeline {
    const entryPoint = key.entryPoint ?? 'main';
    const constants = key.constants ?? {};
    const constKey = Object.keys(constants)
      .sort()
      .map((k) => `${k}=${constants[k]}`)
      .join(',');
    const cacheKey = `${key.label}|${entryPoint}|${constKey}|${key.code.length}|${hashString(key.code)}`;
    let pipeline = this.pipelines.get(cacheKey);
    if (!pipeline) {
      let module = this.modules.get(key.code);
      if (!module) {
        module = this.device.createShaderModule({ code: key.code, label: key.label });
        this.modules.set(key.code, module);
      }
      pipeline = this.device.createComputePipeline({
        label: key.label,
        layout: 'auto',
        compute: { module, entryPoint, constants },
      });
      this.pipelines.set(cacheKey, pipeline);
      this.pipelineNames.set(pipeline, `${key.label}${key.label.endsWith(entryPoint) ? '' : `:${entryPoint}`}${constKey ? `{${constKey}}` : ''}`);
    }
    return pipeline;
  }

  /** The command encoder of the current step (created on first use). */
  commandEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder({ label: 'step' });
    return this.encoder;
  }

  /** Ends the open compute pass, so copies can be recorded into the encoder. */
  endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.commandEncoder().beginComputePass({ label: 'step' });
    return this.pass;
  }

  /** Reserves a uniform slot holding `bytes` (at most 256 bytes); written at flush. */
  uniform(bytes: ArrayBuffer | ArrayBufferView): { buffer: GPUBuffer; offset: number; size: number } {
    const src = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (src.byteLength > this.slotSize) throw new Error(`uniform params of ${src.byteLength} bytes exceed the ${this.slotSize}-byte slot`);
    const chunkIndex = Math.floor(this.slotsUsed / ARENA_SLOTS);
    if (chunkIndex >= this.arena.length) {
      const size = ARENA_SLOTS * this.slotSize;
      this.arena.push({
        buffer: this.device.createBuffer({ label: 'uniform-arena', size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
        staging: new Uint8Array(size),
      });
    }
    const chunk = this.arena[chunkIndex];
    const offset = (this.slotsUsed % ARENA_SLOTS) * this.slotSize;
    chunk.staging.set(src, offset);
    this.slotsUsed++;
    // Uniform bindings must be a multiple of 16 bytes.
    return { buffer: chunk.buffer, offset, size: Math.max(16, Math.ceil(src.byteLength / 16) * 16) };
  }

  /**
   * Records one dispatch. `params` (if given) binds at 0, `buffers` at 1..n.
   * Workgroup counts above maxComputeWorkgroupsPerDimension are the caller's job (see grid()).
   */
  dispatch(
    pipeline: GPUComputePipeline,
    params: ArrayBuffer | ArrayBufferView | null,
    buffers: BufferBinding[],
    workgroups: [number, number?, number?],
  ): void {
    const [x, y = 1, z = 1] = workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) {
      throw new Error(`dispatch of ${x}x${y}x${z} workgroups exceeds maxComputeWorkgroupsPerDimension (${max}); split it with grid()`);
    }
    const entries: GPUBindGroupEntry[] = [];
    const slot = params ? this.uniform(params) : null;
    if (slot) entries.push({ binding: 0, resource: slot });
    buffers.forEach((b, i) => entries.push({ binding: i + 1, resource: 'buffer' in b ? b : { buffer: b } }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    if (this.profileRecords) {
      const chunk = slot ? this.arena.find((c) => c.buffer === slot.buffer) : undefined;
      this.profileRecords.push({
        label: this.pipelineNames.get(pipeline) ?? pipeline.label, tag: this.profileTag, pipeline, bindGroup, workgroups: [x, y, z],
        uniform: slot && chunk ? { buffer: slot.buffer, offset: slot.offset, bytes: chunk.staging.slice(slot.offset, slot.offset + slot.size) } : null,
      });
    }
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    this.dispatchCount++;
  }

  /** Submits everything recorded since the last flush (uniforms first). */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    const used = Math.ceil(this.slotsUsed / ARENA_SLOTS);
    for (let i = 0; i < used; i++) {
      const slots = i === used - 1 ? this.slotsUsed - i * ARENA_SLOTS : ARENA_SLOTS;
      const chunk = this.arena[i];
      this.device.queue.writeBuffer(chunk.buffer, 0, chunk.staging.buffer, chunk.staging.byteOffset, slots * this.slotSize);
    }
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.slotsUsed = 0;
    this.submitCount++;
  }

  /**
   * Flushes and waits until the GPU has finished all submitted work. On Node, Dawn's poll for this
   * promise spins for ~1 ms and then sleeps between polls (wait.ts), leaving the CPUs to a
   * software adapter.
   */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
  }

  destroy(): void {
    this.encoder = null;
    this.pass = null;
    for (const chunk of this.arena) chunk.buffer.destroy();
    this.arena.length = 0;
  }
}

/**
 * Splits `workgroups` along x and y so that neither exceeds the per-dimension limit. Kernels
 * recover the flat index as `gid.y * (groupsX * workgroupSize) + gid.x` (pass rowStride in params).
 */
export function grid(workgroups: number, maxPerDimension: number): { groups: [number, number]; groupsX: number } {
  const groupsX = Math.max(1, Math.min(workgroups, maxPerDimension));
  const groupsY = Math.max(1, Math.ceil(workgroups / groupsX));
  return { groups: [groupsX, groupsY], groupsX };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** Packs uniform parameter structs (u32 / i32 / f32 fields, fixed-size arrays of 8) for kernels. */
import { MAX_RANK } from '../shape';

export class ParamWriter {
  private readonly view: DataView;
  private pos = 0;
  constructor(readonly bytes: number) {
    this.view = new DataView(new ArrayBuffer(bytes));
  }
  u32(v: number): this {
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }
  i32(v: number): this {
    this.view.setInt32(this.pos, v | 0, true);
    this.pos += 4;
    return this;
  }
  f32(v: number): this {
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
    return this;
  }
  /** An array<vec4<u32|i32>, 2> (MAX_RANK entries, zero padded). */
  dims(values: readonly number[], signed = false): this {
    for (let i = 0; i < MAX_RANK; i++) {
      const v = values[i] ?? 0;
      if (signed) this.i32(v);
      else this.u32(v);
    }
    return this;
  }
  buffer(): ArrayBuffer {
    return this.view.buffer as ArrayBuffer;
  }
}

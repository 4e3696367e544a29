// Pooling over three spatial axes (2D pooling has depth 1), one thread per element.
//  pool_forward:  one thread per output; MODE 0 max, 1 avg, 2 adaptive avg (PyTorch windows).
//  pool_backward: one thread per input element, summing over the output windows that contain it
//                 (a gather: no atomics, deterministic). Max recomputes each window's first maximum.
// Windows match poolWindow() in src/engine/cpu/backend.ts.

override MODE: u32 = 0u;
override WG: u32 = 256u;

struct PoolParams {
  n: u32,
  row_stride: u32,
  count_include_pad: u32,
  _pad0: u32,
  // Element offsets inside the bound ranges (chunks of whole planes): x / input, y / dx, dy.
  shifts: vec4<u32>,
  in_size: vec4<i32>,
  out_size: vec4<i32>,
  kernel: vec4<i32>,
  stride: vec4<i32>,
  padding: vec4<i32>,
}

@group(0) @binding(0) var<uniform> pp: PoolParams;
@group(0) @binding(1) var<storage, read> px: array<f32>;
@group(0) @binding(2) var<storage, read_write> py: array<f32>;

struct Window {
  lo: vec3<i32>,
  hi: vec3<i32>,
  divisor: f32,
}

fn window_of(o: vec3<i32>) -> Window {
  // Vector arithmetic over the three axes (no dynamic component indexing: it is slow on CPU drivers).
  var w: Window;
  let ins = pp.in_size.xyz;
  let outs = pp.out_size.xyz;
  var full = 1;
  if (MODE == 2u) {
    w.lo = (o * ins) / outs;
    w.hi = ((o + vec3<i32>(1)) * ins + outs - vec3<i32>(1)) / outs;
    let e = w.hi - w.lo;
    full = e.x * e.y * e.z;
  } else {
    let start = o * pp.stride.xyz - pp.padding.xyz;
    let end = min(start + pp.kernel.xyz, ins + pp.padding.xyz);
    let e = end - start;
    full = e.x * e.y * e.z;
    w.lo = max(start, vec3<i32>(0));
    w.hi = min(end, ins);
  }
  let inside = w.hi - w.lo;
  if (MODE == 1u && pp.count_include_pad == 0u) {
    w.divisor = f32(inside.x * inside.y * inside.z);
  } else {
    w.divisor = f32(full);
  }
  return w;
}

fn in_index(plane: u32, p: vec3<i32>) -> u32 {
  let s = pp.in_size;
  return plane * u32(s.x * s.y * s.z) + u32((p.x * s.y + p.y) * s.z + p.z);
}

/** The flat input index of the first maximum of a window (in d, h, w scan order). */
fn window_argmax(plane: u32, w: Window) -> u32 {
  var best = -3.402823e38;
  var at = 0xffffffffu;
  for (var d = w.lo.x; d < w.hi.x; d++) {
    for (var h = w.lo.y; h < w.hi.y; h++) {
      for (var x = w.lo.z; x < w.hi.z; x++) {
        let k = in_index(plane, vec3<i32>(d, h, x));
        let v = px[pp.shifts.x + k];
        if (at == 0xffffffffu || v > best) {
          best = v;
          at = k;
        }
      }
    }
  }
  return at;
}

@compute @workgroup_size(WG)
fn pool_forward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * pp.row_stride + gid.x;
  if (i >= pp.n) {
    return;
  }
  let os = pp.out_size;
  let per_plane = u32(os.x * os.y * os.z);
  let plane = i / per_plane;
  var r = i32(i % per_plane);
  let o = vec3<i32>(r / (os.y * os.z), (r / os.z) % os.y, r % os.z);
  let w = window_of(o);
  if (MODE == 0u) {
    let at = window_argmax(plane, w);
    py[pp.shifts.y + i] = select(px[pp.shifts.x + at], -3.402823e38, at == 0xffffffffu);
    return;
  }
  var acc = 0.0;
  for (var d = w.lo.x; d < w.hi.x; d++) {
    for (var h = w.lo.y; h < w.hi.y; h++) {
      for (var x = w.lo.z; x < w.hi.z; x++) {
        acc += px[pp.shifts.x + in_index(plane, vec3<i32>(d, h, x))];
      }
    }
  }
  py[pp.shifts.y + i] = acc / w.divisor;
}

@group(0) @binding(1) var<storage, read> bx: array<f32>;
@group(0) @binding(2) var<storage, read> bdy: array<f32>;
@group(0) @binding(3) var<storage, read_write> bdx: array<f32>;

/** Range of outputs along axis a whose window may contain input coordinate c. */
/** Per axis, the range [lo, hi] of outputs whose window may contain input coordinate c. */
fn out_range(c: vec3<i32>) -> array<vec3<i32>, 2> {
  let ins = pp.in_size.xyz;
  let outs = pp.out_size.xyz;
  if (MODE == 2u) {
    // Adaptive windows: start = floor(o*in/out) <= c < end = ceil((o+1)*in/out).
    let lo = max((c * outs) / ins - vec3<i32>(1), vec3<i32>(0));
    let hi = min(((c + vec3<i32>(1)) * outs) / ins + vec3<i32>(1), outs - vec3<i32>(1));
    return array<vec3<i32>, 2>(lo, hi);
  }
  // o*s - p <= c < o*s - p + k  =>  (c + p - k + 1)/s <= o <= (c + p)/s
  let s = pp.stride.xyz;
  let num = c + pp.padding.xyz - pp.kernel.xyz + vec3<i32>(1);
  let lo = select((num + s - vec3<i32>(1)) / s, vec3<i32>(0), num <= vec3<i32>(0));
  let hi = min((c + pp.padding.xyz) / s, outs - vec3<i32>(1));
  return array<vec3<i32>, 2>(lo, hi);
}

fn contains(w: Window, c: vec3<i32>) -> bool {
  return all(c >= w.lo) && all(c < w.hi);
}

@compute @workgroup_size(WG)
fn pool_backward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * pp.row_stride + gid.x;
  if (i >= pp.n) {
    return;
  }
  let s = pp.in_size;
  let per_plane = u32(s.x * s.y * s.z);
  let plane = i / per_plane;
  let r = i32(i % per_plane);
  let c = vec3<i32>(r / (s.y * s.z), (r / s.z) % s.y, r % s.z);
  let range = out_range(c);
  let rd = vec2<i32>(range[0].x, range[1].x);
  let rh = vec2<i32>(range[0].y, range[1].y);
  let rw = vec2<i32>(range[0].z, range[1].z);
  let os = pp.out_size;
  let out_plane = plane * u32(os.x * os.y * os.z);
  var acc = 0.0;
  for (var od = rd.x; od <= rd.y; od++) {
    for (var oh = rh.x; oh <= rh.y; oh++) {
      for (var ow = rw.x; ow <= rw.y; ow++) {
        let w = window_of(vec3<i32>(od, oh, ow));
        if (!contains(w, c)) {
          continue;
        }
        let g = bdy[pp.shifts.z + out_plane + u32((od * os.y + oh) * os.z + ow)];
        if (MODE == 0u) {
          // bx is the input under this entry point's binding names.
          if (window_argmax_b(plane, w) == i) {
            acc += g;
          }
        } else {
          acc += g / w.divisor;
        }
      }
    }
  }
  bdx[pp.shifts.y + i] = acc;
}

fn window_argmax_b(plane: u32, w: Window) -> u32 {
  var best = -3.402823e38;
  var at = 0xffffffffu;
  for (var d = w.lo.x; d < w.hi.x; d++) {
    for (var h = w.lo.y; h < w.hi.y; h++) {
      for (var x = w.lo.z; x < w.hi.z; x++) {
        let k = in_index(plane, vec3<i32>(d, h, x));
        let v = bx[pp.shifts.x + k];
        if (at == 0xffffffffu || v > best) {
          best = v;
          at = k;
        }
      }
    }
  }
  return at;
}

// Max pooling backward for windows that tile the input exactly (stride == kernel, no padding, sizes
// multiples of the kernel): one thread per output window writes its gradient to the window's first
// maximum and zeros to the rest (every input lies in exactly one window, so writes never collide
// and every dx element is written). n counts outputs here.
@compute @workgroup_size(WG)
fn pool_backward_tiles(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * pp.row_stride + gid.x;
  if (i >= pp.n) {
    return;
  }
  let os = pp.out_size;
  let per_plane = u32(os.x * os.y * os.z);
  let plane = i / per_plane;
  let r = i32(i % per_plane);
  let o = vec3<i32>(r / (os.y * os.z), (r / os.z) % os.y, r % os.z);
  let w = window_of(o);
  let at = window_argmax_b(plane, w);
  let g = bdy[pp.shifts.z + i];
  for (var d = w.lo.x; d < w.hi.x; d++) {
    for (var h = w.lo.y; h < w.hi.y; h++) {
      for (var x = w.lo.z; x < w.hi.z; x++) {
        let k = in_index(plane, vec3<i32>(d, h, x));
        bdx[pp.shifts.y + k] = select(0.0, g, k == at);
      }
    }
  }
}

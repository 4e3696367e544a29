/**
 * Turns a layer's source into an NVImage (NiiVue's in-memory image), with errors that name the file.
 */
import { NVImage } from '@niivue/niivue';
import { writeNifti } from '../../data/nifti';
import { isNiftiName, labelLut, maxValue, type ImageSource, type LayerKind } from './layers';

/** NIfTI's "this is a label map" intent code. */
const NIFTI_INTENT_LABEL = 1002;
const DT_FLOAT32 = 16;
const DT_UINT8 = 2;

export class ImageLoadError extends Error {
  constructor(
    readonly fileName: string,
    message: string,
  ) {
    super(message);
    this.name = 'ImageLoadError';
  }
}

function exactBuffer(bytes: ArrayBuffer | Uint8Array): ArrayBuffer {
  if (bytes instanceof ArrayBuffer) return bytes;
  // NiiVue wants a whole ArrayBuffer; copy when the view is a window into a bigger (or shared) one.
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer as ArrayBuffer;
}

/** Reads NIfTI bytes (plain or gzipped) into an NVImage, or throws an ImageLoadError naming the file. */
export async function nvImageFromBytes(bytes: ArrayBuffer | Uint8Array, name: string): Promise<NVImage> {
  if (!isNiftiName(name)) {
    throw new ImageLoadError(name, `Cannot open "${name}": the viewer reads NIfTI images (.nii or .nii.gz).`);
  }
  const buffer = exactBuffer(bytes);
  const head = new Uint8Array(buffer, 0, Math.min(2, buffer.byteLength));
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  if (!gzipped && buffer.byteLength < 348) {
    throw new ImageLoadError(name, `Cannot open "${name}": it is ${buffer.byteLength} bytes long, shorter than a NIfTI header (348 bytes).`);
  }
  let image: NVImage;
  try {
    image = await NVImage.loadFromUrl({ url: buffer, name });
  } catch (err) {
    throw new ImageLoadError(name, `Cannot open "${name}": NiiVue could not read it as NIfTI (${(err as Error).message ?? String(err)}).`);
  }
  const dims = image.hdr?.dims;
  if (!image.img || !dims || dims[1] < 1 || dims[2] < 1 || !image.img.length) {
    throw new ImageLoadError(name, `Cannot open "${name}": no voxels could be decoded (the header or data is not valid NIfTI).`);
  }
  return image;
}

/**
 * An overlay on the base image's grid: a clone of the base (same header and affine, so the overlay
 * lines up voxel for voxel) holding the given voxels as float32.
 */
export function nvImageOnGrid(base: NVImage, data: Float32Array | Uint8Array, name: string): NVImage {
  const nVox = base.nVox3D ?? base.hdr!.dims[1] * base.hdr!.dims[2] * base.hdr!.dims[3];
  if (data.length !== nVox) {
    const d = base.hdr!.dims;
    throw new ImageLoadError(name, `Cannot overlay "${name}": it has ${data.length} voxels but the base image "${base.name}" has ${nVox} (${d[1]}×${d[2]}×${d[3]}).`);
  }
  const image = base.clone();
  image.name = name;
  image.id = `${base.id}-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const hdr = image.hdr!;
  hdr.scl_slope = 1;
  hdr.scl_inter = 0;
  hdr.intent_code = 0;
  hdr.dims = hdr.dims.slice(0, 4).concat([1, 1, 1, 1]).slice(0, 8);
  hdr.dims[0] = 3;
  if (data instanceof Uint8Array) {
    hdr.datatypeCode = DT_UINT8;
    hdr.numBitsPerVoxel = 8;
    image.img = new Uint8Array(data);
  } else {
    hdr.datatypeCode = DT_FLOAT32;
    hdr.numBitsPerVoxel = 32;
    image.img = new Float32Array(data);
  }
  image.nFrame4D = 1;
  image.frame4D = 0;
  image.colormapLabel = null;
  image.trustCalMinMax = false;
  image.calMinMax();
  return image;
}

/** Loads any source; `base` is required for 'grid' sources. */
export async function loadSource(source: ImageSource, base: NVImage | null): Promise<NVImage> {
  switch (source.type) {
    case 'bytes':
      return nvImageFromBytes(source.bytes, source.name);
    case 'file': {
      let bytes: ArrayBuffer;
      try {
        bytes = await source.file.arrayBuffer();
      } catch (err) {
        throw new ImageLoadError(source.file.name, `Cannot read "${source.file.name}": ${(err as Error).message}`);
      }
      return nvImageFromBytes(bytes, source.file.name);
    }
    case 'volume': {
      // Uncompressed: gzip would cost time for bytes that are decoded again at once.
      const name = `${source.name.replace(/\.nii(\.gz)?$/i, '')}.nii`;
      return nvImageFromBytes(writeNifti(source.volume, { gzip: false }), name);
    }
    case 'grid':
      if (!base) throw new ImageLoadError(source.name, `Cannot overlay "${source.name}": open a base image first.`);
      return nvImageOnGrid(base, source.data, source.name);
  }
}

/** Switches an image to label display (discrete colours, 0 transparent) or back to a continuous colormap. */
export function applyKindColouring(image: NVImage, kind: LayerKind, colormap: string, paletteOffset = 0): void {
  if (kind === 'label') {
    if (!image.colormapLabel) {
      const top = image.img ? maxValue(image.img) * (image.hdr?.scl_slope || 1) + (image.hdr?.scl_inter ?? 0) : 1;
      image.setColormapLabel(labelLut(Number.isFinite(top) ? Math.max(1, top) : 1, undefined, paletteOffset));
      if (image.hdr) image.hdr.intent_code = NIFTI_INTENT_LABEL;
    }
    return;
  }
  if (image.colormapLabel) {
    image.colormapLabel = null;
    if (image.hdr && image.hdr.intent_code === NIFTI_INTENT_LABEL) image.hdr.intent_code = 0;
  }
  if (image.colormap !== colormap) image.colormap = colormap;
}


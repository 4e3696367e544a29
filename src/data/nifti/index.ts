export { readNifti, readNiftiAsync, readNiftiHeader, niftiInfo, type NiftiInfo, type NiftiVolume, type ReadNiftiAsyncOptions, type BytesLike } from './read';
export { writeNifti, headerForVolume, type WriteNiftiOptions } from './write';
export { parseNiftiHeader, serializeNiftiHeader, detectNifti, NIFTI_MAX_HEADER_SIZE, type NiftiHeader, type NiftiVersion } from './header';
export { NIFTI_TYPE, datatypeName, type NiftiDatatypeName } from './datatypes';
export { bestAffine, qformAffine, sformAffine, affineToQuatern, affineZooms, multiplyAffine } from './affine';
export { isGzip, gunzipBytes, gunzipBytesAsync, gunzipPrefix, gzipBytes, gzipTrailerSize } from './gzip';

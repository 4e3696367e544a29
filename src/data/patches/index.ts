export { PatchAccumulator, checkIvadomed3DPatches, extractPatch, patchGrid, patchStarts, reconstructFromPatches, stackSlices, type PatchIndex } from './patches';

export { SegmentationDataset, dropoutInput, type DatasetOptions } from './dataset';
export { ByteLruCache } from './cache';
export { entriesFromBids, entriesIn, splitRows, contrastList, type EntriesResult } from './entries';
export { keepSample, keepRoi, type FilterParams } from './filters';
export { volumeToHWD, hwdToVolumeData, sliceOf, zoomsHWD } from './hwd';
export type { DatasetEntry, DatasetItem, DatasetMode, FileRef, ItemMetadata, LoaderParams } from './types';
export { balanceLabels, epochBatches, type Batch, type LoaderOptions } from './loader';
export { VolumeAssembler } from './reconstruct';

export { indexBids, dataframeRow, type BidsIndex, type BidsImage, type BidsLabel, type BidsProblem, type IndexBidsOptions, type IndexProgress, type Severity } from './indexer';
export { bidsDataframeCsv, bidsDataframeRows } from './dataframe';
export { selectImages, type SelectOptions, type SelectedImage } from './select';
export { parseBidsName, labelSuffix, sidecarApplies, type ParsedName, type ImageFormat } from './filename';
export { parseTsv, type Table } from './tsv';
export { probeNifti, probeImage2D, type ImageHeader } from './probe';
export { loadVolume, derivativePath, saveDerivative } from './load';

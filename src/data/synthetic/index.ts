export { generateSyntheticDataset, writeSyntheticDataset, generateSubject, DEFAULT_INSTITUTIONS, type SyntheticOptions, type SyntheticSubject, type Institution } from './generate';
export { createRandom, type Random } from './random';

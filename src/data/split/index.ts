export { MT19937, trainTestSplit } from './mt19937';
export {
  splitDataset, newSubjectFileSplit, subjectFileSplit, selectSubjects, applySavedSplit, serializeSplit, parseSplit,
  type SplitRow, type SplitParams, type DataTesting, type SubjectSelection, type DatasetSplit, type SplitOutcome,
} from './split';

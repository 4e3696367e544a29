// Model bundles: a trained model, its config, preprocessing and run record in one .zip (docs/bundle.md).
export {
  BUNDLE_EXTENSION, BUNDLE_FORMAT, BUNDLE_MEMBERS, BUNDLE_VERSION, bundleFileName, preprocessingSummary, sha256Hex, testingTransforms,
  type Bundle, type BundleFileEntry, type BundleManifest, type BundlePreprocessing,
} from './format';
export { assembleBundle, createBundle, type BundleParts, type CreateBundleOptions } from './write';
export { readBundle, type ReadBundleOptions } from './read';
export { bundleConfig, bundleModelSource, bundleToModelFolder, loadBundleModel } from './load';

/** FiLM conditioning vector (ivadomed loader/film.py): see docs/film-metadata.md. */
export {
  FilmEncoder, FilmMetadataError, rawFilmValues, filmProblems, filmKdeGrid,
  MRI_PARAM_KEYS, MANUFACTURER_CATEGORY, CONTRAST_CATEGORY, GENERIC_CONTRAST,
  type FilmEncoderJSON, type FilmMetadataKind, type FilmMetaSource, type FilmRawValues, type MriParamKey,
} from './encoder';
export {
  KdeClusterer, FILM_BANDWIDTHS, gaussianLogDensity, kdeScoreSamples, kFoldSplits, localMinima, selectBandwidth, linspace, logspace,
  type BandwidthMethod, type BandwidthSelection, type KdeClustererJSON,
} from './kde';

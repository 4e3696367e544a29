export { decodeRaster, imageFormat, type Raster } from './raster';
export { readImage2D, ivadomedGray, microscopyPixelSizeMm, type ReadImage2DOptions, type Image2DVolume } from './convert';

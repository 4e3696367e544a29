/**
 * ONNX model exchange: export of every ivadomed architecture to an ONNX ModelProto (opset 15-17,
 * ivadomed's input/output names and dynamic axes, preprocessing in metadata_props) and inference
 * through onnxruntime-web (wasm or WebGPU). See docs/onnx.md.
 */
export { exportOnnx, exportOnnxModel, DEFAULT_OPSET, SUPPORTED_OPSETS, type ExportOptions, type OnnxExport, type TensorSignature } from './export';
export { createOrtSession, runOnnx, webgpuAvailable, type OnnxSession, type OrtBackend, type OrtSessionOptions, type OrtTensorData } from './ort';
export { GraphBuilder, decodeModel, onnxMetadata, IR_VERSION, type Dim, type Value } from './builder';
export * from './import/index';

/**
 * The project's TFLite -> ONNX converter (environment-agnostic: Uint8Array in, Uint8Array out).
 * `buildOnnxModel` is exported on its own for tests and tools that write small ONNX graphs.
 */

export {
  attr,
  buildOnnxModel,
  type OnnxAttribute,
  type OnnxDataType,
  type OnnxModelSpec,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from '../../src/onnx-writer';
export {
  CONVERTER_NAME,
  CONVERTER_VERSION,
  type ConversionResult,
  type ConvertOptions,
  convertTfliteToOnnx,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  type TensorSignature,
  tflitePadding,
  transposeData,
} from './convert';
export { ConversionError, type ConversionErrorCode } from './errors';
export { FlatBufferBytes, Table } from './flatbuffer';
export {
  readTfliteModel,
  type TfliteModel,
  type TfliteOperator,
  type TfliteSubgraph,
  type TfliteTensor,
} from './tflite-reader';

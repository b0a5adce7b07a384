/**
 * The parts of TensorFlow Lite's schema.fbs (tensorflow/lite/schema/schema.fbs) the converter
 * relies on: table field indices, enum values and builtin operator names. Field indices are the
 * declaration order in the schema; a union takes two slots (its type byte, then the value).
 */

/** Table field indices, by table. */
export const ModelField = {
  version: 0,
  operatorCodes: 1,
  subgraphs: 2,
  description: 3,
  buffers: 4,
  metadataBuffer: 5,
  metadata: 6,
  signatureDefs: 7,
} as const;

export const OperatorCodeField = {
  /** int8: the only code before schema 3a; still written, clamped to 127 (PLACEHOLDER). */
  deprecatedBuiltinCode: 0,
  customCode: 1,
  version: 2,
  /** int32: the real code for builtins >= 127; older writers leave it 0, hence max() of the two. */
  builtinCode: 3,
} as const;

export const SubGraphField = { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 } as const;

export const TensorField = {
  shape: 0,
  type: 1,
  buffer: 2,
  name: 3,
  quantization: 4,
  isVariable: 5,
  sparsity: 6,
  shapeSignature: 7,
} as const;

export const OperatorField = {
  opcodeIndex: 0,
  inputs: 1,
  outputs: 2,
  builtinOptionsType: 3,
  builtinOptions: 4,
  customOptions: 5,
  customOptionsFormat: 6,
  mutatingVariableInputs: 7,
  intermediates: 8,
  largeCustomOptionsOffset: 9,
  largeCustomOptionsSize: 10,
} as const;

export const BufferField = { data: 0, offset: 1, size: 2 } as const;
export const MetadataField = { name: 0, buffer: 1 } as const;
export const QuantizationField = { min: 0, max: 1, scale: 2, zeroPoint: 3 } as const;

export const Conv2DOptionsField = {
  padding: 0,
  strideW: 1,
  strideH: 2,
  fusedActivation: 3,
  dilationW: 4,
  dilationH: 5,
} as const;

export const DepthwiseConv2DOptionsField = {
  padding: 0,
  strideW: 1,
  strideH: 2,
  depthMultiplier: 3,
  fusedActivation: 4,
  dilationW: 5,
  dilationH: 6,
} as const;

export const Pool2DOptionsField = {
  padding: 0,
  strideW: 1,
  strideH: 2,
  filterWidth: 3,
  filterHeight: 4,
  fusedActivation: 5,
} as const;

/** AddOptions and MulOptions both start with the fused activation. */
export const ArithmeticOptionsField = { fusedActivation: 0 } as const;
export const ConcatenationOptionsField = { axis: 0, fusedActivation: 1 } as const;
export const ReducerOptionsField = { keepDims: 0 } as const;
export const ResizeBilinearOptionsField = {
  newHeight: 0,
  newWidth: 1,
  alignCorners: 2,
  halfPixelCenters: 3,
} as const;

/** BuiltinOptions union member numbers (NONE = 0, then declaration order from 1). */
export const BuiltinOptionsType = {
  none: 0,
  conv2D: 1,
  depthwiseConv2D: 2,
  pool2D: 5,
  concatenation: 10,
  add: 11,
  resizeBilinear: 15,
  mul: 21,
  reducer: 27,
  dequantize: 38,
  hardSwish: 91,
} as const;

export const TensorType = {
  float32: 0,
  float16: 1,
  int32: 2,
  uint8: 3,
  int64: 4,
  string: 5,
  bool: 6,
  int16: 7,
  complex64: 8,
  int8: 9,
  float64: 10,
} as const;

const TENSOR_TYPE_NAMES = [
  'FLOAT32',
  'FLOAT16',
  'INT32',
  'UINT8',
  'INT64',
  'STRING',
  'BOOL',
  'INT16',
  'COMPLEX64',
  'INT8',
  'FLOAT64',
  'COMPLEX128',
  'UINT64',
  'RESOURCE',
  'VARIANT',
  'UINT32',
  'UINT16',
  'INT4',
  'BFLOAT16',
];

export function tensorTypeName(type: number): string {
  return TENSOR_TYPE_NAMES[type] ?? `type ${type}`;
}

/** TFLite `Padding` enum. */
export const Padding = { same: 0, valid: 1 } as const;

/** TFLite `ActivationFunctionType` enum. */
export const Activation = {
  none: 0,
  relu: 1,
  reluN1To1: 2,
  relu6: 3,
  tanh: 4,
  signBit: 5,
} as const;

export const Builtin = {
  add: 0,
  averagePool2D: 1,
  concatenation: 2,
  conv2D: 3,
  depthwiseConv2D: 4,
  dequantize: 6,
  logistic: 14,
  mul: 18,
  relu: 19,
  relu6: 21,
  resizeBilinear: 23,
  softmax: 25,
  custom: 32,
  mean: 40,
  hardSwish: 117,
  /** Written into deprecated_builtin_code when the real code does not fit in an int8. */
  placeholderForGreaterOpCodes: 127,
} as const;

/** BuiltinOperator names by code, for error messages (schema.fbs, up to RIGHT_SHIFT = 161). */
const BUILTIN_NAMES = [
  'ADD',
  'AVERAGE_POOL_2D',
  'CONCATENATION',
  'CONV_2D',
  'DEPTHWISE_CONV_2D',
  'DEPTH_TO_SPACE',
  'DEQUANTIZE',
  'EMBEDDING_LOOKUP',
  'FLOOR',
  'FULLY_CONNECTED',
  'HASHTABLE_LOOKUP',
  'L2_NORMALIZATION',
  'L2_POOL_2D',
  'LOCAL_RESPONSE_NORMALIZATION',
  'LOGISTIC',
  'LSH_PROJECTION',
  'LSTM',
  'MAX_POOL_2D',
  'MUL',
  'RELU',
  'RELU_N1_TO_1',
  'RELU6',
  'RESHAPE',
  'RESIZE_BILINEAR',
  'RNN',
  'SOFTMAX',
  'SPACE_TO_DEPTH',
  'SVDF',
  'TANH',
  'CONCAT_EMBEDDINGS',
  'SKIP_GRAM',
  'CALL',
  'CUSTOM',
  'EMBEDDING_LOOKUP_SPARSE',
  'PAD',
  'UNIDIRECTIONAL_SEQUENCE_RNN',
  'GATHER',
  'BATCH_TO_SPACE_ND',
  'SPACE_TO_BATCH_ND',
  'TRANSPOSE',
  'MEAN',
  'SUB',
  'DIV',
  'SQUEEZE',
  'UNIDIRECTIONAL_SEQUENCE_LSTM',
  'STRIDED_SLICE',
  'BIDIRECTIONAL_SEQUENCE_RNN',
  'EXP',
  'TOPK_V2',
  'SPLIT',
  'LOG_SOFTMAX',
  'DELEGATE',
  'BIDIRECTIONAL_SEQUENCE_LSTM',
  'CAST',
  'PRELU',
  'MAXIMUM',
  'ARG_MAX',
  'MINIMUM',
  'LESS',
  'NEG',
  'PADV2',
  'GREATER',
  'GREATER_EQUAL',
  'LESS_EQUAL',
  'SELECT',
  'SLICE',
  'SIN',
  'TRANSPOSE_CONV',
  'SPARSE_TO_DENSE',
  'TILE',
  'EXPAND_DIMS',
  'EQUAL',
  'NOT_EQUAL',
  'LOG',
  'SUM',
  'SQRT',
  'RSQRT',
  'SHAPE',
  'POW',
  'ARG_MIN',
  'FAKE_QUANT',
  'REDUCE_PROD',
  'REDUCE_MAX',
  'PACK',
  'LOGICAL_OR',
  'ONE_HOT',
  'LOGICAL_AND',
  'LOGICAL_NOT',
  'UNPACK',
  'REDUCE_MIN',
  'FLOOR_DIV',
  'REDUCE_ANY',
  'SQUARE',
  'ZEROS_LIKE',
  'FILL',
  'FLOOR_MOD',
  'RANGE',
  'RESIZE_NEAREST_NEIGHBOR',
  'LEAKY_RELU',
  'SQUARED_DIFFERENCE',
  'MIRROR_PAD',
  'ABS',
  'SPLIT_V',
  'UNIQUE',
  'CEIL',
  'REVERSE_V2',
  'ADD_N',
  'GATHER_ND',
  'COS',
  'WHERE',
  'RANK',
  'ELU',
  'REVERSE_SEQUENCE',
  'MATRIX_DIAG',
  'QUANTIZE',
  'MATRIX_SET_DIAG',
  'ROUND',
  'HARD_SWISH',
  'IF',
  'WHILE',
  'NON_MAX_SUPPRESSION_V4',
  'NON_MAX_SUPPRESSION_V5',
  'SCATTER_ND',
  'SELECT_V2',
  'DENSIFY',
  'SEGMENT_SUM',
  'BATCH_MATMUL',
  'PLACEHOLDER_FOR_GREATER_OP_CODES',
  'CUMSUM',
  'CALL_ONCE',
  'BROADCAST_TO',
  'RFFT2D',
  'CONV_3D',
  'IMAG',
  'REAL',
  'COMPLEX_ABS',
  'HASHTABLE',
  'HASHTABLE_FIND',
  'HASHTABLE_IMPORT',
  'HASHTABLE_SIZE',
  'REDUCE_ALL',
  'CONV_3D_TRANSPOSE',
  'VAR_HANDLE',
  'READ_VARIABLE',
  'ASSIGN_VARIABLE',
  'BROADCAST_ARGS',
  'RANDOM_STANDARD_NORMAL',
  'BUCKETIZE',
  'RANDOM_UNIFORM',
  'MULTINOMIAL',
  'GELU',
  'DYNAMIC_UPDATE_SLICE',
  'RELU_0_TO_1',
  'UNSORTED_SEGMENT_PROD',
  'UNSORTED_SEGMENT_MAX',
  'UNSORTED_SEGMENT_SUM',
  'ATAN2',
  'UNSORTED_SEGMENT_MIN',
  'SIGN',
  'BITCAST',
  'BITWISE_XOR',
  'RIGHT_SHIFT',
];

export function builtinName(code: number): string {
  // Later codes (StableHLO ops and beyond) have no TFLite runtime kernels worth naming here.
  return BUILTIN_NAMES[code] ?? `BUILTIN_${code}`;
}

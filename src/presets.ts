/**
 * The built-in multi-class model presets (`model: { preset }`): what each one is called and the
 * class labels it keeps by name. No imports: the public types reach this file, and nothing of the
 * pipeline's internals should come with them.
 */

/** DeepLabV3's Pascal VOC classes, in its output order (the `deeplabv3` preset). */
export const PASCAL_VOC_LABELS: readonly string[] = [
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
];

/** The runtime asset the `deeplabv3` preset runs (asset-urls.ts). */
export const DEEPLAB_ASSET = 'deeplabv3_257.onnx';

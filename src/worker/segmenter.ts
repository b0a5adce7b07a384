/** What both engines (MediaPipe tasks-vision, onnxruntime-web) look like to the pipeline. */
export interface SegmenterInfo {
  engine: string; // 'mediapipe' | 'onnxruntime'
  backend: string; // 'cpu' | 'gpu' | 'wasm' | 'webgpu'
  model: string;
  inputWidth: number;
  inputHeight: number;
}

export interface Segmenter {
  readonly info: SegmenterInfo;
  /**
   * Person confidence for `image` (model-size RGBA, top row first): inputWidth*inputHeight floats in
   * 0..1, top row first. The array is owned by the segmenter and valid until the next call.
   */
  segment(image: ImageData, timestampMs: number): Float32Array;
  /** Releases the model, its wasm heap and any GL context it made. Safe to call twice. */
  dispose(): void;
}

export type VirtualBackgroundErrorCode =
  | 'unsupported-browser' // no WebGL2, no worker-transferable streams, no MediaStreamTrackProcessor
  | 'invalid-option' // a malformed option: unknown quality, bad colour, negative radius
  | 'invalid-track' // not a live video track
  | 'invalid-state' // start() twice, update() after stop()
  | 'asset-load-failed' // model, wasm, image or video could not be loaded or decoded
  | 'model-load-failed' // the segmenter refused the model
  | 'gl-error' // shader compile/link failure or lost context
  | 'segmentation-failed' // the segmenter threw while running
  | 'pipeline-failed'; // anything else that stopped the frame loop

/** Every error the library raises or reports in an 'error' event is one of these. */
export class VirtualBackgroundError extends Error {
  override name = 'VirtualBackgroundError';
  readonly code: VirtualBackgroundErrorCode;

  constructor(code: VirtualBackgroundErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[${code}] ${message}`, options);
    this.code = code;
  }
}

/** The plain shape that crosses postMessage (Error subclasses lose their fields there). */
export interface SerializedError {
  code: VirtualBackgroundErrorCode;
  message: string;
}

export function serializeError(
  error: unknown,
  fallback: VirtualBackgroundErrorCode = 'pipeline-failed',
): SerializedError {
  if (error instanceof VirtualBackgroundError) {
    return { code: error.code, message: error.message.replace(/^\[[a-z-]+\] /, '') };
  }
  return { code: fallback, message: error instanceof Error ? error.message : String(error) };
}

export function deserializeError(e: SerializedError): VirtualBackgroundError {
  return new VirtualBackgroundError(e.code, e.message);
}

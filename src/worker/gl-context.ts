/**
 * The pipeline worker's WebGL2 context: the settings every stage draws with, and what the renderer
 * says about the device (software GL changes which input path and backend are worth trying).
 */
import { VirtualBackgroundError } from '../errors';

/** The real renderer name; gl.RENDERER says only "WebKit WebGL" in Chrome. */
export function rendererName(gl: WebGL2RenderingContext): string {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
}

export function isSoftwareRenderer(gl: WebGL2RenderingContext): boolean {
  return /swiftshader|llvmpipe|software|basic render/i.test(rendererName(gl));
}

/** Throws `unsupported-browser` where a worker gets no WebGL2. */
export function createPipelineContext(canvas: OffscreenCanvas): WebGL2RenderingContext {
  const gl = canvas.getContext('webgl2', {
    alpha: false,
    antialias: false,
    depth: false,
    stencil: false,
    premultipliedAlpha: false,
    preserveDrawingBuffer: false,
    powerPreference: 'high-performance',
    desynchronized: true,
  });
  if (!gl)
    throw new VirtualBackgroundError(
      'unsupported-browser',
      'WebGL2 is not available in a worker here',
    );
  return gl;
}

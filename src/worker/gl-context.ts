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

const COUNTED = [
  'Texture',
  'Framebuffer',
  'Renderbuffer',
  'Buffer',
  'Program',
  'Shader',
  'VertexArray',
  'Sampler',
  'Query',
  'TransformFeedback',
] as const;

/**
 * Counts the GL objects alive in `gl`: every create* adds one, every delete* of a live one takes
 * it away. A leak shows as a count that grows over a long call or stays above 0 after stop()
 * (stats().glObjects, `npm run soak`). Wraps the context's own methods: every stage and twgl.js
 * go through them, and creation is rare (stages are built once and reused), so it costs nothing
 * per frame.
 */
export function countGlObjects(gl: WebGL2RenderingContext): { readonly live: number } {
  const live = new Set<unknown>();
  // The methods are looked up by name: the context is indexed as a plain record here.
  const methods = gl as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const kind of COUNTED) {
    const create = methods[`create${kind}`]?.bind(gl);
    const remove = methods[`delete${kind}`]?.bind(gl);
    if (!create || !remove) continue;
    methods[`create${kind}`] = (...args: unknown[]) => {
      const object = create(...args);
      if (object) live.add(object);
      return object;
    };
    methods[`delete${kind}`] = (object: unknown) => {
      if (object) live.delete(object);
      return remove(object);
    };
  }
  return {
    get live() {
      return live.size;
    },
  };
}

import * as twgl from 'twgl.js';
import compositingGlsl from '../../shaders/compositing.glsl?raw';
import fullscreenVert from '../../shaders/fullscreen.vert.glsl?raw';
import packingGlsl from '../../shaders/packing.glsl?raw';
import samplingGlsl from '../../shaders/sampling.glsl?raw';
import { VirtualBackgroundError } from '../errors';

const INCLUDES: Record<string, string> = {
  sampling: samplingGlsl,
  compositing: compositingGlsl,
  packing: packingGlsl,
};

/** Pastes shared chunks where a shader says `#include "name"` (GLSL ES has no includes of its own). */
export function resolveIncludes(source: string): string {
  return source.replace(/^[ \t]*#include "([^"]+)"[ \t]*\r?$/gm, (_line, name: string) => {
    const chunk = INCLUDES[name];
    if (chunk === undefined)
      throw new VirtualBackgroundError('gl-error', `unknown shader include "${name}"`);
    return chunk;
  });
}

/** Numbers each line so a driver's "ERROR: 0:17" can be read against the source. */
export function numberLines(source: string): string {
  return source
    .split('\n')
    .map((line, i) => `${String(i + 1).padStart(3)}: ${line}`)
    .join('\n');
}

/**
 * Compiles and links a fullscreen-pass program. twgl reports failures by returning null and logging;
 * the errorCallback turns that into a typed error with the numbered source, so a broken shader fails
 * start() loudly instead of drawing black.
 */
interface CachedProgram {
  info: twgl.ProgramInfo;
  refs: number;
}

/**
 * Programs by full source, per context. A level switch builds a second set of stages beside the
 * serving one; sharing their programs saves the shader compiles, which on software GL take long
 * enough to stall a frame. Released by releaseProgram(), deleted with the last user.
 */
const programCache = new WeakMap<WebGL2RenderingContext, Map<string, CachedProgram>>();
const programKeys = new WeakMap<twgl.ProgramInfo, string>();

export function createPassProgram(
  gl: WebGL2RenderingContext,
  name: string,
  fragmentSource: string,
  defines: Record<string, number> = {},
): twgl.ProgramInfo {
  // Defines go right after `#version`, which must stay the first line.
  const defineLines = Object.entries(defines)
    .map(([k, v]) => `#define ${k} ${v}`)
    .join('\n');
  const source = resolveIncludes(fragmentSource).replace(
    /^(#version[^\n]*\n)/,
    `$1${defineLines}\n`,
  );
  let cache = programCache.get(gl);
  if (!cache) {
    cache = new Map();
    programCache.set(gl, cache);
  }
  const cached = cache.get(source);
  if (cached) {
    cached.refs++;
    return cached.info;
  }
  let message = '';
  const info = twgl.createProgramInfo(gl, [fullscreenVert, source], (msg: string) => {
    message += `${msg}\n`;
  });
  if (!info) {
    throw new VirtualBackgroundError(
      'gl-error',
      `shader program "${name}" failed to build:\n${message}\n${numberLines(source)}`,
    );
  }
  // Linked: the shaders are only flagged for deletion now and go with the program. Kept, they
  // stayed alive after the program was deleted (30 GL objects after stop() in a soak).
  for (const shader of gl.getAttachedShaders(info.program) ?? []) gl.deleteShader(shader);
  cache.set(source, { info, refs: 1 });
  programKeys.set(info, source);
  return info;
}

/** One user of `info` is done with it; the program is deleted when none is left. */
export function releaseProgram(gl: WebGL2RenderingContext, info: twgl.ProgramInfo): void {
  const key = programKeys.get(info);
  const cache = programCache.get(gl);
  const cached = key !== undefined ? cache?.get(key) : undefined;
  if (!cached || key === undefined) {
    gl.deleteProgram(info.program);
    return;
  }
  cached.refs--;
  if (cached.refs > 0) return;
  cache?.delete(key);
  programKeys.delete(info);
  gl.deleteProgram(info.program);
}

export interface RenderTarget {
  framebuffer: WebGLFramebuffer;
  texture: WebGLTexture;
  width: number;
  height: number;
}

export type TargetFormat = 'rgba8' | 'r16f';

export function createTexture(
  gl: WebGL2RenderingContext,
  width: number,
  height: number,
  internalFormat: number,
  filter: number = gl.LINEAR,
): WebGLTexture {
  const texture = gl.createTexture();
  if (!texture)
    throw new VirtualBackgroundError('gl-error', 'createTexture failed (context lost?)');
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.texStorage2D(gl.TEXTURE_2D, 1, internalFormat, width, height);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  return texture;
}

export function createTarget(
  gl: WebGL2RenderingContext,
  width: number,
  height: number,
  format: TargetFormat = 'rgba8',
  filter: number = gl.LINEAR,
): RenderTarget {
  const texture = createTexture(gl, width, height, format === 'rgba8' ? gl.RGBA8 : gl.R16F, filter);
  const framebuffer = gl.createFramebuffer();
  if (!framebuffer) throw new VirtualBackgroundError('gl-error', 'createFramebuffer failed');
  gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
  gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
  const status = gl.checkFramebufferStatus(gl.FRAMEBUFFER);
  gl.bindFramebuffer(gl.FRAMEBUFFER, null);
  if (status !== gl.FRAMEBUFFER_COMPLETE) {
    gl.deleteFramebuffer(framebuffer);
    gl.deleteTexture(texture);
    throw new VirtualBackgroundError(
      'gl-error',
      `framebuffer ${width}x${height} ${format} incomplete (0x${status.toString(16)})`,
    );
  }
  return { framebuffer, texture, width, height };
}

/** `current` if it already has this size, else a new target (the old one is deleted). */
export function ensureTarget(
  gl: WebGL2RenderingContext,
  current: RenderTarget | null,
  width: number,
  height: number,
  format: TargetFormat = 'rgba8',
  filter: number = gl.LINEAR,
): RenderTarget {
  if (current && current.width === width && current.height === height) return current;
  deleteTarget(gl, current);
  return createTarget(gl, width, height, format, filter);
}

export function deleteTarget(gl: WebGL2RenderingContext, target: RenderTarget | null): void {
  if (!target) return;
  gl.deleteFramebuffer(target.framebuffer);
  gl.deleteTexture(target.texture);
}

/**
 * Runs one fullscreen pass of `program` into `target` (null = the canvas), or only into its rows
 * [rows.y, rows.y + rows.height) when `rows` is given.
 */
export function drawPass(
  gl: WebGL2RenderingContext,
  program: twgl.ProgramInfo,
  target: RenderTarget | null,
  uniforms: Record<string, unknown>,
  canvasSize?: { width: number; height: number },
  rows?: { y: number; height: number },
): void {
  gl.bindFramebuffer(gl.FRAMEBUFFER, target ? target.framebuffer : null);
  const w = target ? target.width : (canvasSize?.width ?? gl.drawingBufferWidth);
  const h = target ? target.height : (canvasSize?.height ?? gl.drawingBufferHeight);
  gl.viewport(0, rows?.y ?? 0, w, rows?.height ?? h);
  gl.useProgram(program.program);
  twgl.setUniforms(program, uniforms);
  gl.drawArrays(gl.TRIANGLES, 0, 3);
}

/**
 * Variants of one pass, compiled on first use per set of defines and kept: switching backgrounds
 * recompiles nothing after the first time. Owns every program it made.
 */
export function createProgramVariants(
  gl: WebGL2RenderingContext,
  name: string,
  fragmentSource: string,
) {
  const programs = new Map<string, twgl.ProgramInfo>();
  return {
    get(defines: Record<string, number>): twgl.ProgramInfo {
      const key = JSON.stringify(defines);
      let program = programs.get(key);
      if (!program) {
        program = createPassProgram(gl, `${name} ${key}`, fragmentSource, defines);
        programs.set(key, program);
      }
      return program;
    },
    dispose(): void {
      for (const p of programs.values()) releaseProgram(gl, p);
      programs.clear();
    },
  };
}

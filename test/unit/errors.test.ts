import { describe, expect, it } from 'vitest';
import {
  deserializeError,
  type SerializedError,
  serializeError,
  VirtualBackgroundError,
} from '../../src/errors';

describe('VirtualBackgroundError', () => {
  it('carries its code, a prefixed message and its own name', () => {
    const e = new VirtualBackgroundError('invalid-track', 'track has ended');
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(VirtualBackgroundError);
    expect(e.code).toBe('invalid-track');
    expect(e.message).toBe('[invalid-track] track has ended');
    expect(e.name).toBe('VirtualBackgroundError');
    expect(String(e)).toBe('VirtualBackgroundError: [invalid-track] track has ended');
  });

  it('keeps the cause', () => {
    const cause = new TypeError('inner');
    const e = new VirtualBackgroundError('asset-load-failed', 'outer', { cause });
    expect(e.cause).toBe(cause);
  });
});

describe('serializeError / deserializeError', () => {
  it('serializes a VirtualBackgroundError without the "[code] " prefix', () => {
    const e = new VirtualBackgroundError('gl-error', 'shader failed');
    expect(serializeError(e)).toEqual({ code: 'gl-error', message: 'shader failed' });
  });

  it('strips only the leading prefix', () => {
    const e = new VirtualBackgroundError('gl-error', 'bad [gl-error] inside');
    expect(serializeError(e).message).toBe('bad [gl-error] inside');
  });

  it('round-trips code and message', () => {
    const codes = [
      'unsupported-browser',
      'invalid-option',
      'invalid-track',
      'invalid-state',
      'asset-load-failed',
      'model-load-failed',
      'gl-error',
      'segmentation-failed',
      'pipeline-failed',
    ] as const;
    for (const code of codes) {
      const original = new VirtualBackgroundError(code, `something about ${code}`);
      const wire: SerializedError = structuredClone(serializeError(original));
      const back = deserializeError(wire);
      expect(back).toBeInstanceOf(VirtualBackgroundError);
      expect(back.code).toBe(code);
      expect(back.message).toBe(original.message);
      // A second trip through the wire format does not grow the prefix.
      expect(serializeError(back)).toEqual(wire);
    }
  });

  it('uses the fallback code for plain Errors, keeping their message', () => {
    expect(serializeError(new Error('boom'))).toEqual({
      code: 'pipeline-failed',
      message: 'boom',
    });
    expect(serializeError(new TypeError('nope'), 'segmentation-failed')).toEqual({
      code: 'segmentation-failed',
      message: 'nope',
    });
  });

  it('stringifies non-Error throwables', () => {
    expect(serializeError('a string')).toEqual({ code: 'pipeline-failed', message: 'a string' });
    expect(serializeError(42, 'gl-error')).toEqual({ code: 'gl-error', message: '42' });
    expect(serializeError(undefined)).toEqual({ code: 'pipeline-failed', message: 'undefined' });
  });

  it('ignores the fallback for a VirtualBackgroundError', () => {
    const e = new VirtualBackgroundError('invalid-state', 'stopped');
    expect(serializeError(e, 'gl-error').code).toBe('invalid-state');
  });
});

/**
 * Virtual background for WebRTC: a camera MediaStreamTrack in, a processed MediaStreamTrack out.
 * The API here is the contract in docs/architecture.md (public API contract); names and shapes are fixed.
 */
import { VirtualBackgroundProcessor } from './processor';
import type { VirtualBackground, VirtualBackgroundOptions } from './types';

export { type CallTracks, senderHasBackground, setSenderBackground } from './call';
export { VirtualBackgroundError, type VirtualBackgroundErrorCode } from './errors';
export { PASCAL_VOC_LABELS } from './presets';
export { VirtualBackgroundProcessor } from './processor';
export type {
  Background,
  CustomModel,
  FramePath,
  ModelPreset,
  ProcessorStats,
  Quality,
  SimulatedFault,
  VirtualBackground,
  VirtualBackgroundOptions,
} from './types';

/** Validates options (throws a typed 'invalid-option' error) and returns an idle processor; call start(). */
export async function createVirtualBackground(
  options?: VirtualBackgroundOptions,
): Promise<VirtualBackground> {
  return new VirtualBackgroundProcessor(options);
}

export const isSupported = (): boolean => VirtualBackgroundProcessor.isSupported();

/**
 * In-page side of the browser tests, served by the dev server and imported by page.evaluate().
 * It reads the camera track and the processed track frame by frame, pairs them by timestamp (the
 * pipeline keeps the camera frame's timestamp) and measures pixels in the labelled fixture regions.
 *
 * The code lives in the modules below, one concern each; this module stays the one entry point
 * that the specs, the bench and the other page modules import (by URL in page.evaluate(), and
 * as `typeof import(...)` for its types), so it re-exports the names it has always exported.
 */

export { cropFrame, type Region } from './crops';
export { camera, coverFitCrops, gradientImage } from './inputs';
export {
  type BackgroundClass,
  type FrameVerdict,
  type RunOptions,
  type RunResult,
  runPhases,
} from './judge';
export {
  type ExternalMeasurement,
  type ExternalWindow,
  type FrameTaps,
  measureOutput,
  measurePerformance,
  type OutputMeasurement,
  type OutputMeasurementOptions,
  type PerformanceResult,
  startFrameTaps,
  summarizeTaps,
  type TapRecords,
} from './measure';
export { fractionClose, fractionNear, laplacianEnergy } from './pixels';
export {
  type AdaptiveResult,
  compareCropMethods,
  measureSlowdown,
  type PhaseRates,
  runAdaptive,
  runUnpaired,
  type SlowdownResult,
  type UnpairedResult,
} from './scenarios';
export { type Tap, tapTrack } from './taps';

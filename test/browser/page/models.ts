/**
 * In-page side of the model tests (test/browser/models.spec.ts): the converter checked against
 * tasks-vision on the same input, level switches across engines while frames flow, both
 * onnxruntime-web backends, bad models, and a custom multi-class model.
 *
 * The code lives in the models-*.ts modules, one concern each; this module stays the one entry
 * point that the spec imports (by URL in page.evaluate(), and as `typeof import(...)` for its
 * types), so it re-exports the names it has always exported.
 */

export { gapsWhileLoading, runBackendTrial, type TrialResult } from './models-backends';
export { type ConverterComparison, compareConverter } from './models-converter';
export {
  type BadModelResult,
  type BrokenPresetResult,
  type CustomModelResult,
  runBadModels,
  runBrokenPreset,
  runCustomModel,
} from './models-custom';
export { runQualitySwitches, type SwitchRun } from './models-switches';

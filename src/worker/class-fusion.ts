/**
 * A multi-class model (the `deeplabv3` preset) with the person among the kept classes: the person
 * comes from a person model, the other kept classes from the multi-class model.
 *
 * Why: DeepLabV3 sees the 16:9 frame squashed into 257x257 and draws the person coarsely; on the
 * subjects clip (a portrait beside a samoyed) it spread her body over the dog photo's background
 * beside her, and that strip stayed 0.66–0.76 replaced. The landscape selfie model, trained for
 * people in calls, on the same frame: the strip 1.00 replaced, the portrait's face and jacket
 * kept, the dog not taken for a person (offline, Node, docs/models.md). On the eval's portraits
 * the landscape model scored IoU 0.73 where DeepLab's person class scored 0.50.
 *
 * The rule, per pixel: max(person × (1 − dropped), kept), where `kept` is the multi-class model's
 * probability of the other kept classes and `dropped` that of the classes not kept (background and
 * person aside): a horse the selfie model half takes for a person is still replaced, a dog on a
 * lap is kept when asked for.
 */
import { type FusionGeometry, kernelCache } from './fused-segmenter';
import type { SegmentationEngine, SegmenterInfo } from './segmenter';

/** A model answering several channels per picture (onnx-segmenter.ts's category groups). */
export interface GroupedModel {
  readonly info: SegmenterInfo;
  /** outs[0]: the kept classes other than the person; outs[1]: the dropped ones. */
  run(image: ImageData, outs: Float32Array[]): Promise<void>;
  dispose(): void;
}

/** The groups `GroupedModel.run` answers, for a model of `classes` classes. */
export function personFusionGroups(
  classes: number,
  kept: readonly number[],
  personClass: number,
  backgroundClass: number,
): [keptOthers: number[], dropped: number[]] {
  const keptOthers = kept.filter((c) => c !== personClass && c < classes);
  const dropped: number[] = [];
  for (let c = 0; c < classes; c++) {
    if (c !== personClass && c !== backgroundClass && !kept.includes(c)) dropped.push(c);
  }
  return [keptOthers, dropped];
}

/** The per-pixel rule (see the file's comment), into `out`. */
export function combinePersonAndClasses(
  person: Float32Array,
  keptOthers: Float32Array,
  dropped: Float32Array,
  out: Float32Array,
): void {
  for (let i = 0; i < out.length; i++) {
    const p = (person[i] as number) * (1 - (dropped[i] as number));
    const k = keptOthers[i] as number;
    out[i] = Math.max(p, k);
  }
}

/**
 * Owns both engines. The picture the pipeline sends (the multi-class model's input size) reaches
 * the person model letterboxed at its true aspect, and the person's mask is grown back to that size.
 */
export function personClassEngine(
  classes: GroupedModel,
  person: SegmentationEngine,
  g: FusionGeometry,
): SegmentationEngine {
  const size = g.width * g.height;
  const keptOthers = new Float32Array(size);
  const dropped = new Float32Array(size);
  const personMask = new Float32Array(size);
  const companionMask = new Float32Array(g.companion.width * g.companion.height);
  const letterboxed = new ImageData(g.companion.width, g.companion.height);
  const kernelsFor = kernelCache(g);
  const sentAspect = g.width / g.height;
  let disposed = false;
  return {
    info: { ...classes.info, model: `${classes.info.model} + ${person.info.model}` },
    async segment(image, timestampMs, out, aspect = sentAspect): Promise<void> {
      await classes.run(image, [keptOthers, dropped]);
      const k = kernelsFor(aspect);
      k.letterbox(image.data, letterboxed.data);
      await person.segment(letterboxed, timestampMs, companionMask);
      k.fuse(personMask, companionMask, personMask, 0);
      combinePersonAndClasses(personMask, keptOthers, dropped, out);
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      classes.dispose();
      person.dispose();
    },
  };
}

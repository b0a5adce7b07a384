// The eval's summary: per processor (and level), the per-frame scores of each scenario folded into
// the figures the table shows. Frames in the first 4 after a cut are judged apart ("after cut"), so
// that the moving and settled figures say how well a mask follows, not how fast it recovers.
import type { EvalRun, FrameRecord, ProcessorName } from './page';

/** Frames 0..3 of a segment are the ones right after a cut. */
const AFTER_CUT = 4;
/** A held portrait counts as settled from its 8th frame on. */
const SETTLED = 8;

export interface Summary {
  processor: ProcessorName;
  quality: string | null;
  moving: {
    iou: number | null;
    iouPrevious: number | null;
    boundary: number | null;
    mae: number | null;
    flicker: number | null;
    haloWithin: number | null;
    haloMean: number | null;
    /** Mean pixels per frame (320x180) of floating chunks and of holes. */
    floating: number | null;
    holes: number | null;
    afterCutIou: number | null;
    outputFps: number;
    cameraFps: number;
    frames: number;
  } | null;
  portraits: {
    settledIou: number | null;
    afterCutIou: number | null;
    boundary: number | null;
    flicker: number | null;
    haloWithin: number | null;
    outputFps: number;
    frames: number;
  } | null;
  /**
   * The shapes clip (a flag beside the person, a card in the wall's colour held in front): the
   * worst frame's largest floating chunk and largest hole (pixels at 320x180), and the halo band
   * over all frames.
   */
  shapes: {
    iou: number | null;
    largestFloating: number | null;
    largestHole: number | null;
    haloWithin: number | null;
    /** The worst frame's 95th percentile of the distance from green in the halo band. */
    haloP95: number | null;
    /**
     * haloWithin over the band pixels the output's pixel format can show as green (a 4:2:0 output
     * bleeds the person's chroma one pixel out whatever the mask), and their share of the band.
     */
    haloFormatWithin: number | null;
    haloFormatShare: number | null;
    /** haloWithin per ring (1..6 pixels outside the person), mean over the frames. */
    haloWithinByRing: Array<number | null>;
    outputFps: number;
    cameraFps: number;
    frames: number;
  } | null;
}

function mean(values: Array<number | null>): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

function max(values: Array<number | null>): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length === 0 ? null : Math.max(...v);
}

/** Ring by ring mean of per-frame shares (frames whose ring had no judged pixel left out). */
function meanByRing(frames: FrameRecord[]): Array<number | null> {
  const rings = Math.max(0, ...frames.map((f) => f.haloWithinByRing.length));
  return Array.from({ length: rings }, (_, k) =>
    mean(frames.map((f) => f.haloWithinByRing[k] ?? null)),
  );
}

const pick = (frames: FrameRecord[], key: keyof FrameRecord) =>
  frames.map((f) => f[key] as number | null);

export function summarise(runs: EvalRun[]): Summary[] {
  const keyOf = (r: EvalRun) => `${r.processor} ${r.quality ?? ''}`;
  const keys = [...new Set(runs.map(keyOf))];
  return keys.map((key) => {
    const mine = runs.filter((r) => keyOf(r) === key);
    const first = mine[0] as EvalRun;
    const moving = mine.find((r) => r.scenario === 'moving');
    const portraits = mine.find((r) => r.scenario === 'portraits');
    const shapes = mine.find((r) => r.scenario === 'shapes');
    const following = (r: EvalRun) => r.frames.filter((f) => f.index >= AFTER_CUT);
    const afterCut = (r: EvalRun) => r.frames.filter((f) => f.segment > 0 && f.index < AFTER_CUT);
    return {
      processor: first.processor,
      quality: first.quality,
      moving: moving
        ? {
            iou: mean(pick(following(moving), 'iou')),
            iouPrevious: mean(pick(following(moving), 'iouPrevious')),
            boundary: mean(pick(following(moving), 'boundary')),
            mae: mean(pick(following(moving), 'mae')),
            flicker: mean(pick(following(moving), 'flicker')),
            haloWithin: mean(pick(following(moving), 'haloWithin')),
            haloMean: mean(pick(following(moving), 'haloMean')),
            floating: mean(pick(following(moving), 'floating')),
            holes: mean(pick(following(moving), 'holes')),
            afterCutIou: mean(pick(afterCut(moving), 'iou')),
            outputFps: moving.outputFps,
            cameraFps: moving.cameraFps,
            frames: moving.frames.length,
          }
        : null,
      portraits: portraits
        ? {
            settledIou: mean(
              pick(
                portraits.frames.filter((f) => f.index >= SETTLED),
                'iou',
              ),
            ),
            afterCutIou: mean(pick(afterCut(portraits), 'iou')),
            boundary: mean(
              pick(
                portraits.frames.filter((f) => f.index >= SETTLED),
                'boundary',
              ),
            ),
            flicker: mean(
              pick(
                portraits.frames.filter((f) => f.index >= SETTLED),
                'flicker',
              ),
            ),
            haloWithin: mean(
              pick(
                portraits.frames.filter((f) => f.index >= SETTLED),
                'haloWithin',
              ),
            ),
            outputFps: portraits.outputFps,
            frames: portraits.frames.length,
          }
        : null,
      shapes: shapes
        ? {
            iou: mean(pick(shapes.frames, 'iou')),
            largestFloating: max(pick(shapes.frames, 'largestFloating')),
            largestHole: max(pick(shapes.frames, 'largestHole')),
            haloWithin: mean(pick(shapes.frames, 'haloWithin')),
            haloP95: max(pick(shapes.frames, 'haloP95')),
            haloFormatWithin: mean(pick(shapes.frames, 'haloFormatWithin')),
            haloFormatShare: mean(pick(shapes.frames, 'haloFormatShare')),
            haloWithinByRing: meanByRing(shapes.frames),
            outputFps: shapes.outputFps,
            cameraFps: shapes.cameraFps,
            frames: shapes.frames.length,
          }
        : null,
    };
  });
}

const f2 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(2));
const f0 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(0));
const f3 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(3));

export function formatTable(summary: Summary[]): string {
  const head =
    '| processor | level | moving IoU | vs previous truth | boundary | MAE | flicker | halo ≤30 | floating px | holes px | after cut | portraits IoU | after cut | fps out / camera |';
  const rule = `|${head
    .split('|')
    .slice(1, -1)
    .map(() => '---')
    .join('|')}|`;
  // A run of the shapes scenario alone has no row here: its figures are in the second table.
  const lines = summary
    .filter((s) => s.moving || s.portraits || !s.shapes)
    .map((s) => {
      const m = s.moving;
      const p = s.portraits;
      return `| ${s.processor} | ${s.quality ?? '–'} | ${f2(m?.iou)} | ${f2(m?.iouPrevious)} | ${f2(m?.boundary)} | ${f3(m?.mae)} | ${f3(m?.flicker)} | ${f2(m?.haloWithin)} | ${f0(m?.floating)} | ${f0(m?.holes)} | ${f2(m?.afterCutIou)} | ${f2(p?.settledIou)} | ${f2(p?.afterCutIou)} | ${m ? `${m.outputFps.toFixed(1)} / ${m.cameraFps.toFixed(1)}` : '–'} |`;
    });
  const table = [head, rule, ...lines].join('\n');
  const shapes = summary.filter((s) => s.shapes);
  if (shapes.length === 0) return table;
  if (lines.length === 0) return shapesTable(shapes);
  return `${table}\n\n${shapesTable(shapes)}`;
}

/** The shapes clip's figures (pixels at 320x180); its checks are in test/browser/shapes.spec.ts. */
function shapesTable(shapes: Summary[]): string {
  const shapesHead =
    '| processor | level | shapes IoU | largest floating px | largest hole px | halo ≤30 | halo ≤30 at 1 / 2 / 3 px | worst halo p95 | halo ≤30, format floor out (share judged) | fps out / camera |';
  const shapesLines = shapes.map((s) => {
    const m = s.shapes;
    const rings = m?.haloWithinByRing.slice(0, 3).map(f2).join(' / ');
    return `| ${s.processor} | ${s.quality ?? '–'} | ${f2(m?.iou)} | ${f0(m?.largestFloating)} | ${f0(m?.largestHole)} | ${f2(m?.haloWithin)} | ${rings ?? '–'} | ${f0(m?.haloP95)} | ${f2(m?.haloFormatWithin)} (${f2(m?.haloFormatShare)}) | ${m ? `${m.outputFps.toFixed(1)} / ${m.cameraFps.toFixed(1)}` : '–'} |`;
  });
  const shapesRule = `|${shapesHead
    .split('|')
    .slice(1, -1)
    .map(() => '---')
    .join('|')}|`;
  return [shapesHead, shapesRule, ...shapesLines].join('\n');
}

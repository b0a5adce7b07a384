/**
 * The `deeplabv3` preset on the subjects camera (test/fixtures/subjects-fixture.ts: a person and
 * a dog side by side): per phase, the model's foreground classes are set (at start, then live with
 * update()), the first fresh mask of that phase is waited for, and output frames are judged
 * against their camera frames (sdk-adapters.ts judgePair): regions labelled `person` must keep
 * their pixels, `background` ones show green.
 */
import type { ProcessorStats } from '../../../src/index';
import { createVirtualBackground } from '../../../src/index';
import type { Region } from './crops';
import { camera } from './inputs';
import { judgePair, type PairJudgement } from './sdk-adapters';
import { sleep } from './util';

export interface SubjectsPhase {
  foreground: string[];
  /** Labelled for this phase: `person` = must be kept, `background` = must be replaced. */
  regions: Region[];
}

export interface SubjectsRun {
  phases: Array<{
    foreground: string[];
    judged: PairJudgement;
    switchMs: number;
    stats: ProcessorStats;
  }>;
}

export async function runSubjects(phases: SubjectsPhase[]): Promise<SubjectsRun> {
  const cam = await camera();
  const first = phases[0];
  if (!first) throw new Error('no phases');
  const vb = await createVirtualBackground({
    quality: 'fast',
    adaptive: false,
    background: { kind: 'color', color: '#00ff00' },
    model: { preset: 'deeplabv3', foreground: first.foreground },
  });
  const out = await vb.start(cam);
  const result: SubjectsRun = { phases: [] };
  try {
    for (const [i, phase] of phases.entries()) {
      const t0 = performance.now();
      if (i > 0) await vb.update({ model: { preset: 'deeplabv3', foreground: phase.foreground } });
      const switchMs = performance.now() - t0;
      // Masks of this phase: several fresh ones since it began (DeepLab takes a few hundred ms).
      const segmented = vb.stats().framesSegmented;
      const deadline = performance.now() + 30_000;
      while (vb.stats().framesSegmented < segmented + 3 && performance.now() < deadline) {
        await sleep(100);
      }
      const judged = await judgePair(cam, out, phase.regions, 20);
      result.phases.push({ foreground: phase.foreground, judged, switchMs, stats: vb.stats() });
    }
  } finally {
    await vb.stop();
    cam.stop();
  }
  return result;
}

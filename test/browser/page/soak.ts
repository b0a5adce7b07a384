/**
 * In-page side of `npm run soak` (tools/soak.ts): a long call on the fake camera with the
 * background changed every 10 s and the level every 60 s, and per minute what a leak or a slow
 * drift would show: JS heap per context (the page and each worker, by
 * performance.measureUserAgentSpecificMemory; the page is cross-origin isolated), open
 * VideoFrames, GL objects alive, frame rate and latency.
 */

import {
  type Background,
  createVirtualBackground,
  type ProcessorStats,
  type Quality,
} from '../../../src/index';
import { camera, gradientImage } from './inputs';
import { sleep } from './util';

export interface HeapByContext {
  /** Bytes per context kind: `page`, and each worker by its script (worker.ts, output-worker.ts…). */
  [context: string]: number;
}

export interface SoakMinute {
  minute: number;
  /** The level asked for during the minute, and the one in force at its end (adaptive quality). */
  requested: Quality;
  quality: Quality;
  fpsIn: number;
  fpsOut: number;
  latencyP50: number;
  latencyP95: number;
  framesOpen: number;
  glObjects: number;
  framesOut: number;
  heap: HeapByContext;
}

export interface SoakResult {
  minutes: SoakMinute[];
  /** After stop(): what the worker reported last, and the page's heap. */
  afterStop: { framesOpen: number; glObjects: number; heap: HeapByContext };
  backgroundChanges: number;
  qualityChanges: number;
  errors: string[];
  recovered: number;
}

interface MemoryBreakdown {
  breakdown: Array<{
    bytes: number;
    attribution: Array<{ url?: string; scope?: string }>;
  }>;
}

/** JS heap per context, summed by the script that runs it (segmenter workers come and go). */
async function heapByContext(): Promise<HeapByContext> {
  const measure = (
    performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<MemoryBreakdown> }
  ).measureUserAgentSpecificMemory;
  if (!measure) return {};
  const result = await measure.call(performance);
  const heap: HeapByContext = {};
  for (const entry of result.breakdown) {
    for (const a of entry.attribution) {
      const name =
        a.scope === 'DedicatedWorkerGlobalScope'
          ? (a.url ?? 'worker').replace(/^.*\//, '').replace(/\?.*$/, '')
          : 'page';
      heap[name] = (heap[name] ?? 0) + entry.bytes / Math.max(1, entry.attribution.length);
    }
  }
  return heap;
}

const QUALITY_CYCLE: Quality[] = ['balanced', 'accurate', 'fast'];

export async function runSoak(minutes: number): Promise<SoakResult> {
  const cam = await camera(1280, 720, 30);
  const image = await gradientImage();
  const backgrounds: Background[] = [
    { kind: 'blur' },
    { kind: 'color', color: '#00ff00' },
    { kind: 'image', source: image },
    { kind: 'blur', radius: 30 },
    { kind: 'video', source: '/src/demo/assets/sample-person.webm' },
    { kind: 'color', color: 'rgba(20, 40, 200, 0.5)' },
  ];
  const vb = await createVirtualBackground({ quality: 'balanced', background: { kind: 'blur' } });
  const errors: string[] = [];
  let recovered = 0;
  vb.addEventListener('error', (e) => errors.push(String((e as ErrorEvent).error?.message)));
  vb.addEventListener('recovered', () => recovered++);
  await vb.start(cam);
  const started = performance.now();
  let backgroundChanges = 0;
  let qualityChanges = 0;
  const result: SoakMinute[] = [];
  let last: ProcessorStats = vb.stats();
  let lastAt = performance.now();
  let requested: Quality = 'balanced';
  for (let second = 1; second <= minutes * 60; second++) {
    await sleep(Math.max(0, started + second * 1000 - performance.now()));
    const finalSecond = second === minutes * 60;
    if (second % 10 === 0 && !finalSecond) {
      const next = backgrounds[(second / 10) % backgrounds.length] as Background;
      await vb.update({ background: next }).then(
        () => backgroundChanges++,
        (e: unknown) => errors.push(`background: ${String(e)}`),
      );
    }
    if (second % 60 === 0) {
      const stats = vb.stats();
      const now = performance.now();
      const minute: SoakMinute = {
        minute: second / 60,
        requested,
        quality: stats.quality,
        fpsIn: stats.fpsIn,
        fpsOut: ((stats.framesOut - last.framesOut) * 1000) / (now - lastAt),
        latencyP50: stats.latencyMs.p50,
        latencyP95: stats.latencyMs.p95,
        framesOpen: stats.framesOpen,
        glObjects: stats.glObjects,
        framesOut: stats.framesOut,
        heap: await heapByContext(),
      };
      // A restart starts the worker's counters anew: that minute's rate is not comparable.
      if (stats.framesOut < last.framesOut) minute.fpsOut = Number.NaN;
      result.push(minute);
      console.log(`[soak] ${JSON.stringify(minute)}`);
      last = stats;
      lastAt = now;
      if (finalSecond) break;
      const quality = QUALITY_CYCLE[(second / 60) % QUALITY_CYCLE.length] as Quality;
      requested = quality;
      await vb.update({ quality }).then(
        () => qualityChanges++,
        (e: unknown) => errors.push(`quality: ${String(e)}`),
      );
    }
  }
  await vb.stop();
  cam.stop();
  const final = vb.stats();
  return {
    minutes: result,
    afterStop: {
      framesOpen: final.framesOpen,
      glObjects: final.glObjects,
      heap: await heapByContext(),
    },
    backgroundChanges,
    qualityChanges,
    errors,
    recovered,
  };
}

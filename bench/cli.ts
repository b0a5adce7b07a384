// The bench's command line: one place that turns argv into settings, so the defaults that
// --quick and --levels change stay together and the help text can say what they are.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Quality } from '../src/index';
import { QUALITIES } from '../src/options';

/** The repo root: what the dev server serves, and where the default results folder sits. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Git-ignored: a run without --out must not leave an untracked file in the tree. */
export const RESULTS_DIR = '.bench-results';

export const USAGE = `npm run bench -- [options]

  --seconds N    seconds each row is measured (default 10; 3 with --quick)
  --warmup N     seconds each row runs before its span starts (default 5; 1.5 with --quick)
  --soak N       seconds of ours at fast/blur, latency per window (default 120; 0 skips;
                 0 with --quick or --levels unless given)
  --quick        3 s rows: ours at fast/blur and livekit with its default delegate only, no soak
                 (the test suite's smoke run)
  --levels a,b   only our rows at those levels (blur and colour): no livekit rows
  --deeplab      only our rows with the deeplabv3 preset (person and dog kept; blur and colour)
  --out FILE     where the JSON goes (default ${RESULTS_DIR}/bench-<date>.json, git-ignored);
                 --out results/bench-latest.json updates the committed copy of the latest full run
  --help         this text`;

export interface Options {
  quick: boolean;
  /** Per row. */
  seconds: number;
  /** Seconds each row runs before its span starts. */
  warmupS: number;
  /** Only our rows at these levels, when given. */
  levels: Quality[] | undefined;
  /** Only the deeplabv3 preset's rows. */
  deeplab: boolean;
  /** 0: no soak. */
  soakSeconds: number;
  /** From --out; undefined: a dated file under RESULTS_DIR. */
  out: string | undefined;
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Throws on a value out of range; `null` for --help. */
export function parseOptions(argv: string[] = process.argv): Options | null {
  if (argv.includes('--help') || argv.includes('-h')) return null;
  const quick = argv.includes('--quick');
  const seconds = Number(arg(argv, '--seconds') ?? (quick ? 3 : 10));
  const warmupS = Number(arg(argv, '--warmup') ?? (quick ? 1.5 : 5));
  if (!(warmupS >= 0)) throw new Error('--warmup must be ≥ 0');
  const levels = arg(argv, '--levels')?.split(',') as Quality[] | undefined;
  for (const level of levels ?? []) {
    if (!QUALITIES.includes(level)) throw new Error(`--levels: no level ${level}`);
  }
  const deeplab = argv.includes('--deeplab');
  const soakSeconds = Number(arg(argv, '--soak') ?? (quick || levels || deeplab ? 0 : 120));
  if (!(seconds > 0) || !(soakSeconds >= 0)) throw new Error('--seconds must be > 0, --soak ≥ 0');
  return { quick, seconds, warmupS, levels, deeplab, soakSeconds, out: arg(argv, '--out') };
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

// The benchmark is a script, not a timed test: this only checks that its short setting runs and
// writes well-formed results.
test('npm run bench -- --quick writes a well-formed results file', () => {
  test.setTimeout(120_000);
  const out = join(mkdtempSync(join(tmpdir(), 'vb-bench-')), 'bench.json');
  const stdout = execFileSync('npx', ['tsx', 'bench/run.ts', '--quick', '--out', out], {
    encoding: 'utf8',
    timeout: 110_000,
  });
  expect(stdout).toContain('| quality | background |');
  const result = JSON.parse(readFileSync(out, 'utf8')) as {
    seconds: number;
    input: { width: number; height: number; fps: number };
    rows: Array<Record<string, unknown>>;
  };
  expect(result.input).toEqual({ width: 1280, height: 720, fps: 30 });
  expect(result.rows.length).toBeGreaterThan(0);
  for (const row of result.rows) {
    for (const key of [
      'fpsOut',
      'latencyP50',
      'latencyP95',
      'segmentP50',
      'composeP50',
      'longTaskMsPerSecond',
    ]) {
      expect(typeof row[key], key).toBe('number');
    }
    expect(row.fpsOut as number).toBeGreaterThan(0);
    expect(row.engine).toBe('mediapipe');
  }
});

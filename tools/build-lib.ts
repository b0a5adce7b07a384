/**
 * `npm run build:lib`: the installable library in lib/, what `npm pack` ships.
 *
 *   lib/index.js              the API (src/index.ts), ESM
 *   lib/livekit.js            the LiveKit track processor (src/livekit.ts), on top of ./index.js
 *   lib/worker.js             the pipeline worker
 *   lib/output-worker.js      the output track's writer (outlives pipeline workers)
 *   lib/segmenter-worker.js   the engine worker, tasks-vision and onnxruntime-web inside
 *   lib/chunks/               code the entries share, and the engines (loaded when used)
 *   lib/assets/               the runtime assets (asset-urls.ts), copied from models/
 *   lib/types/                .d.ts
 *
 * Not a Vite library build: Vite rewrites `new Worker(new URL(…))` into an absolute path that a
 * consuming app's bundler then ignores. Here the workers and assets stay as literal
 * `new URL('./…', import.meta.url)` beside the file that names them, the pattern Vite and webpack 5
 * follow in a dependency (they bundle the worker and emit each asset into the app's build), and
 * that plain static hosting resolves as it is. onnxruntime-web is its no-embedded-wasm build (the
 * 'onnxruntime-web-use-extern-wasm' condition): the wasm is loaded from assets/ only, so no
 * bundler emits a second 26 MB copy.
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'rolldown';
import { ASSET_FILES } from '../src/asset-urls';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'lib');

/** Source literal → what the built file says, and the built file that must say it. */
const REWRITES = [
  {
    source: 'src/processor.ts',
    from: "'./worker/worker.ts'",
    to: "'./worker.js'",
    entry: 'index.js',
  },
  {
    source: 'src/processor.ts',
    from: "'./worker/output-worker.ts'",
    to: "'./output-worker.js'",
    entry: 'index.js',
  },
  {
    source: 'src/worker/remote-segmenter.ts',
    from: "'./segmenter-worker.ts'",
    to: "'./segmenter-worker.js'",
    entry: 'worker.js',
  },
  { source: 'src/asset-urls.ts', from: "'../models/", to: "'./assets/", entry: 'index.js' },
] as const;

/** The entries whose own URL the rewritten literals are relative to: never folded into a chunk. */
const ENTRIES = {
  index: 'src/index.ts',
  livekit: 'src/livekit.ts',
  worker: 'src/worker/worker.ts',
  'output-worker': 'src/worker/output-worker.ts',
  'segmenter-worker': 'src/worker/segmenter-worker.ts',
};

/**
 * The SDK adapters use the API through the package's own entry, not a copy: lib/livekit.js
 * imports ./index.js, so an app importing both runs one processor module (and the rewritten
 * literals stay in index.js, where they are relative to the right file).
 */
const adaptersUseIndex: Plugin = {
  name: 'adapters-use-index',
  resolveId(id, importer) {
    if (id === './index' && importer === join(root, 'src/livekit.ts')) {
      return { id: './index.js', external: true };
    }
    return null;
  },
};

/** Vite's `?raw` (the shaders) for a plain bundler. */
const rawText: Plugin = {
  name: 'raw-text',
  async resolveId(id, importer) {
    if (!id.endsWith('?raw') || !importer) return null;
    return `\0raw:${resolve(dirname(importer), id.slice(0, -'?raw'.length))}`;
  },
  async load(id) {
    if (!id.startsWith('\0raw:')) return null;
    const text = await readFile(id.slice('\0raw:'.length), 'utf8');
    return `export default ${JSON.stringify(text)};`;
  },
};

const rewriteUrls: Plugin = {
  name: 'rewrite-urls',
  transform(code, id) {
    const rule = REWRITES.filter((r) => id === join(root, r.source));
    if (rule.length === 0) return null;
    let next = code;
    for (const r of rule) {
      if (!next.includes(r.from)) throw new Error(`${r.source} no longer says ${r.from}`);
      next = next.split(r.from).join(r.to);
    }
    // Same length in lines: the source map stays right to the line.
    return { code: next, map: null };
  },
};

/**
 * onnxruntime-web names its own file for Node (`file:` URLs only) with the asset pattern; an app's
 * bundler would look for that file beside our chunk. Made opaque to bundlers, same behaviour.
 */
const ORT_SELF_URL = 'new URL("ort.min.mjs", import.meta.url)';
const ortSelfUrl: Plugin = {
  name: 'ort-self-url',
  renderChunk(code) {
    if (!code.includes(ORT_SELF_URL)) return null;
    return {
      code: code.split(ORT_SELF_URL).join('new URL("ort.min.mjs", String(import.meta.url))'),
    };
  },
};

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

async function main(): Promise<void> {
  await rm(out, { recursive: true, force: true });
  await build({
    cwd: root,
    input: ENTRIES,
    platform: 'browser',
    resolve: {
      conditionNames: ['onnxruntime-web-use-extern-wasm', 'browser', 'import', 'module', 'default'],
    },
    plugins: [adaptersUseIndex, rawText, rewriteUrls, ortSelfUrl],
    output: {
      dir: out,
      format: 'esm',
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
      sourcemap: true,
      // Unminified: the app's bundler minifies, and the worker and asset literals stay quoted
      // strings (a minifier turns them into template literals, which not every bundler follows).
      minify: false,
    },
    logLevel: 'warn',
    onLog(level, log, handler) {
      // Both rewrites keep every line where it was (one call a few columns longer at most), so
      // the maps stay right to the line; rolldown cannot know that.
      if (log.code === 'SOURCEMAP_BROKEN' && /rewrite-urls|ort-self-url/.test(log.plugin ?? ''))
        return;
      handler(level, log);
    },
  });

  for (const file of await readdir(join(out, 'chunks'))) {
    if (
      file.endsWith('.js') &&
      (await readFile(join(out, 'chunks', file), 'utf8')).includes(ORT_SELF_URL)
    ) {
      throw new Error(`chunks/${file} still names ${ORT_SELF_URL}`);
    }
  }
  // Each rewritten literal must be in its entry, not in a shared chunk: it is relative to that
  // file's own URL.
  for (const r of REWRITES) {
    const code = await readFile(join(out, r.entry), 'utf8');
    const literal = r.to;
    if (!code.includes(literal) && !code.includes(literal.replace(/'/g, '"'))) {
      throw new Error(`${r.entry} does not contain ${literal}: the build moved it into a chunk`);
    }
  }

  const manifest = JSON.parse(await readFile(join(root, 'models/manifest.json'), 'utf8')) as {
    models: Array<{ file: string; sha256: string }>;
    assets: Array<{ file: string; sha256: string }>;
  };
  const pinned = new Map([...manifest.models, ...manifest.assets].map((e) => [e.file, e.sha256]));
  let assetBytes = 0;
  for (const file of ASSET_FILES) {
    const from = join(root, 'models', file);
    const expected = pinned.get(file);
    const actual = await sha256(from);
    if (expected !== actual) {
      throw new Error(`models/${file}: sha256 ${actual}, manifest says ${expected ?? 'nothing'}`);
    }
    const to = join(out, 'assets', file);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(from, to);
    assetBytes += (await stat(to)).size;
  }
  // Provenance and licences of what is shipped, for the app that serves it.
  await writeFile(
    join(out, 'assets/manifest.json'),
    `${JSON.stringify(
      {
        ...manifest,
        models: manifest.models.filter((m) => (ASSET_FILES as readonly string[]).includes(m.file)),
        assets: manifest.assets.filter((a) => (ASSET_FILES as readonly string[]).includes(a.file)),
      },
      null,
      2,
    )}\n`,
  );

  execFileSync('npx', ['tsc', '-p', 'tsconfig.lib.json'], { cwd: root, stdio: 'inherit' });
  console.log(`lib/: code and types built, ${(assetBytes / 2 ** 20).toFixed(1)} MiB of assets`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

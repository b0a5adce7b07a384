#!/usr/bin/env node
// virtual-background-copy-assets DIR: copies the library's runtime assets (models, tasks-vision and
// onnxruntime-web wasm, their manifest with sources and licences) into DIR, for an app that
// serves them from its own folder and passes that folder's URL as `assetBaseUrl`.
import { cp, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const usage = 'usage: virtual-background-copy-assets <target-folder>';
const target = process.argv[2];
if (!target || target === '--help' || target === '-h') {
  console.log(
    `${usage}\nThen: createVirtualBackground({ assetBaseUrl: '<URL the folder is served at>/' })`,
  );
  process.exit(target ? 0 : 1);
}
const source = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'assets');
try {
  await stat(source);
} catch {
  console.error(`virtual-background-copy-assets: ${source} is missing (a broken install?)`);
  process.exit(1);
}
await cp(source, resolve(target), { recursive: true });
let bytes = 0;
let files = 0;
for (const entry of await readdir(resolve(target), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  files++;
  bytes += (await stat(join(entry.parentPath, entry.name))).size;
}
console.log(`copied ${files} files (${(bytes / 2 ** 20).toFixed(1)} MiB) to ${resolve(target)}`);

/**
 * Node entry: `tsx tools/tflite-to-onnx/cli.ts model.tflite model.onnx [--debug-output NAME]...`
 * Prints what was converted and the output's sha256; exits 1 with the ConversionError's code
 * and message when the model is refused.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConversionError, convertTfliteToOnnx } from './index';

export async function main(argv: readonly string[]): Promise<number> {
  const positional: string[] = [];
  const debugOutputs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--debug-output') debugOutputs.push(argv[++i] ?? '');
    else positional.push(arg);
  }
  const [input, output] = positional;
  if (input === undefined || output === undefined || positional.length !== 2) {
    console.error('usage: tflite-to-onnx <model.tflite> <model.onnx> [--debug-output TENSOR]...');
    return 2;
  }
  try {
    const started = performance.now();
    const result = convertTfliteToOnnx(new Uint8Array(await readFile(input)), { debugOutputs });
    const ms = performance.now() - started;
    await writeFile(output, result.onnx);
    const sha = createHash('sha256').update(result.onnx).digest('hex');
    console.log(`[tflite-to-onnx] ${input} -> ${output} in ${ms.toFixed(0)} ms, sha256 ${sha}`);
    for (const i of result.inputs) console.log(`  input  ${i.name} [${i.shape}] NHWC float32`);
    for (const o of result.outputs) console.log(`  output ${o.name} [${o.shape}] NHWC float32`);
    console.log(`  TFLite ops: ${JSON.stringify(result.tfliteOperators)}`);
    console.log(`  ONNX ops:   ${JSON.stringify(result.onnxOperators)}`);
    return 0;
  } catch (error) {
    if (error instanceof ConversionError) {
      console.error(`[tflite-to-onnx] ${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}

// Peak memory of prompted mode at ViT-S/8 size on 1080p frames (135x240 patches, D 384,
// 6 heads), from a synthetic feature cache: `node test/bench/propagation-memory.js [FRAMES]
// [-- extra track options]`. Prints the command it ran and dino-track's own peak RSS line.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeDavisPng } from '../../dist/export/index.js';
import { floatsToHalves } from '../../dist/util/float16.js';
import { cli, makeTempDir } from '../fixtures.js';

const [framesArg = '4', ...rest] = process.argv.slice(2).filter((a) => a !== '--');
const frames = Number(framesArg);
const [width, height, patch, heads, dim] = [1920, 1080, 8, 6, 384];
const rows = Math.floor(height / patch);
const cols = width / patch;
const n = rows * cols;
const dir = makeTempDir('dino-track-memory-');

/** safetensors with F16 cls_attn [T, heads, h, w] and patch_tokens [T, h, w, D]. */
function writeCache(file) {
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const attention = floatsToHalves(Float32Array.from({ length: frames * heads * n }, random));
  const tokens = floatsToHalves(Float32Array.from({ length: frames * n * dim }, () => random() - 0.5));
  const header = {
    __metadata__: { format: 'dino-track-features/1', patch_size: String(patch), frame_width: String(width), frame_height: String(height), fps: '25', model: 'synthetic ViT-S/8 size' },
    cls_attn: { dtype: 'F16', shape: [frames, heads, rows, cols], data_offsets: [0, attention.byteLength] },
    patch_tokens: { dtype: 'F16', shape: [frames, rows, cols, dim], data_offsets: [attention.byteLength, attention.byteLength + tokens.byteLength] },
  };
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  writeFileSync(file, Buffer.concat([prefix, Buffer.from(text), Buffer.from(attention.buffer), Buffer.from(tokens.buffer)]));
}

const features = path.join(dir, 'features.safetensors');
writeCache(features);
// Two objects covering a third of the frame; background (0) is a label too, so every patch is a target.
const labels = new Uint16Array(width * height);
for (let y = 200; y < 700; y++) for (let x = 300; x < 900; x++) labels[y * width + x] = 1;
for (let y = 400; y < 1000; y++) for (let x = 1100; x < 1700; x++) labels[y * width + x] = 2;
const mask = path.join(dir, 'init.png');
writeFileSync(mask, encodeDavisPng(labels, width, height));

const args = ['track', '--features', features, '--init-mask', mask, '-o', path.join(dir, 'out'), '--format', 'davis', '--verbose', '--progress', 'none', ...rest];
console.log(`dino-track ${args.join(' ')}   (${frames} frames, ${rows}x${cols} patches, D ${dim})`);
const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
process.stdout.write(result.stderr);
process.exitCode = result.status ?? 1;

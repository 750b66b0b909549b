// The library's declarations, as a TypeScript project that uses dino-track compiles them: strict,
// without skipLibCheck, and with a "types" list (so no global type is found by chance).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const sample = `import { track, trackFrames, openFeatureCache, prepareModel, UsageError, type TrackOptions, type FrameResult, type TrackSummary } from 'dino-track';
const options: TrackOptions = { input: 'in.mp4', output: 'out/', format: ['davis', 'coco'], onNotice: (line) => console.log(line), signal: new AbortController().signal };
const summary: TrackSummary = await track(options);
for await (const frame of trackFrames({ input: 'in.mp4', stride: 2 })) {
  const result: FrameResult = frame;
  console.log(result.index, result.time, result.labels.length, result.soft?.get(1), result.objects.map((o) => [o.id, o.bbox]));
}
const cache = await openFeatureCache('f.safetensors');
try {
  console.log((await cache.readFrame(0)).patchTokens.length, cache.info.frames);
} finally {
  await cache.close();
}
const bytes: Uint8Array = await prepareModel('m.onnx', { width: 320, height: 240 }, 'p.onnx', { overwrite: true });
// @ts-expect-error trackFrames() writes nothing
trackFrames({ input: 'x', output: 'y' });
console.log(summary, bytes, UsageError);
`;

describe('library declarations', () => {
  it('type-check in a strict project without skipLibCheck, with a types list (a first-time user: Cannot find name \'Long\')', () => {
    const app = makeTempDir();
    mkdirSync(path.join(app, 'node_modules'));
    symlinkSync(root, path.join(app, 'node_modules', 'dino-track'));
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'es2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')] },
      files: ['sample.ts'],
    }));
    writeFileSync(path.join(app, 'sample.ts'), sample);
    const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });
});

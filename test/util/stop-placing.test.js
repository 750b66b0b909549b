// A stop (a signal, or a closed stdout) and the moving of an output into place: the output ends
// whole at its target or not there at all, and the closing line says which. Each case runs in a
// child process, as a stop is once per process (the CLI exits after it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { makeTempDir, root } from '../fixtures.js';

const cleanup = pathToFileURL(path.join(root, 'dist/util/cleanup.js')).href;
const atomic = pathToFileURL(path.join(root, 'dist/util/atomic-path.js')).href;

/** Runs an ES module body with `cleanup` and `atomic` imported and `dir` set; returns what it printed. */
function runCase(body, dir) {
  const script = `import * as cleanup from ${JSON.stringify(cleanup)}; import * as atomic from ${JSON.stringify(atomic)}; import * as fs from 'node:fs'; import path from 'node:path'; const dir = ${JSON.stringify(dir)};\n${body}`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
}

test('an output finished after a stop began is not moved into place', () => {
  const dir = makeTempDir('dino-track-stop-');
  // A writer still appending when the signal came recreates its temporary with its tail only
  // (the cleanup removed the rest); that file must not become the output.
  const printed = runCase(`
    const output = atomic.createAtomicPath(path.join(dir, 'features.safetensors'));
    fs.writeFileSync(output.temp, 'header+');
    // The work in flight (an inference) takes a while to stop: the process exits only after it.
    cleanup.onStop(() => new Promise((resolve) => setTimeout(resolve, 300)));
    const stopping = cleanup.stopOnSignal(1000);
    fs.appendFileSync(output.temp, 'tail');
    const outcome = await output.commit(false).then(() => 'placed', (error) => error.code);
    await stopping;
    console.log(outcome);`, dir);
  assert.equal(printed.trim(), 'ESTOPPED');
  assert.deepEqual(readdirSync(dir), [], 'nothing at the target and no temporary left');
});

test('a signal while an output folder is moved into place lets it finish whole', () => {
  const dir = makeTempDir('dino-track-stop-');
  const printed = runCase(`
    const output = atomic.createAtomicPath(path.join(dir, 'out'));
    fs.mkdirSync(path.join(output.temp, 'masks'), { recursive: true });
    for (let k = 0; k < 40; k++) fs.writeFileSync(path.join(output.temp, 'masks', String(k).padStart(5, '0') + '.png'), 'mask ' + k);
    const committing = output.commit(false).then(() => 'placed', (error) => error.code);
    // The signal's first cleanup pass runs now, with the move under way; its line says what is kept.
    const kept = cleanup.getKeptOnSignal();
    await cleanup.stopOnSignal(5000);
    console.log(await committing, output.placed, JSON.stringify(kept), JSON.stringify(cleanup.getKeptOnSignal()));`, dir);
  assert.equal(printed.trim(), `placed true ${JSON.stringify([`${path.join(dir, 'out')} was complete and is being put in place whole`])} []`);
  assert.deepEqual(readdirSync(dir), ['out'], 'the output, and no temporary beside it');
  const masks = readdirSync(path.join(dir, 'out', 'masks'));
  assert.equal(masks.length, 40);
  assert.equal(readFileSync(path.join(dir, 'out', 'masks', '00039.png'), 'utf8'), 'mask 39');
});

test('a closed stdout says a saved file was lost only if it was not put in place', () => {
  const dir = makeTempDir('dino-track-stop-');
  // stdout closed just as the cache was being moved into place: the move finishes, and the
  // closing line must not say the cache was not written.
  const printed = runCase(`
    const output = atomic.createAtomicPath(path.join(dir, 'features.safetensors'));
    fs.writeFileSync(output.temp, 'whole cache');
    cleanup.noteLostIfStdoutCloses({ text: 'F was not written', holds: () => !output.placed });
    const committing = output.commit(false);
    const lost = await cleanup.stopForClosedStdout(5000);
    await committing;
    console.log(JSON.stringify(lost));`, dir);
  assert.deepEqual(JSON.parse(printed), []);
  assert.equal(readFileSync(path.join(dir, 'features.safetensors'), 'utf8'), 'whole cache');
  // And where it was not put in place, the line says so.
  const dir2 = makeTempDir('dino-track-stop-');
  const printed2 = runCase(`
    const output = atomic.createAtomicPath(path.join(dir, 'features.safetensors'));
    fs.writeFileSync(output.temp, 'part of a cache');
    cleanup.noteLostIfStdoutCloses({ text: 'F was not written', holds: () => !output.placed });
    const lost = await cleanup.stopForClosedStdout(5000);
    console.log(JSON.stringify(lost));`, dir2);
  assert.deepEqual(JSON.parse(printed2), ['F was not written']);
  assert.equal(existsSync(path.join(dir2, 'features.safetensors')), false);
  assert.deepEqual(readdirSync(dir2), []);
});

test('a second stop (a signal after a closed stdout) waits for the first one\'s work too', () => {
  const dir = makeTempDir('dino-track-stop-');
  const printed = runCase(`
    let settled = false;
    cleanup.onStop(() => new Promise((resolve) => setTimeout(() => { settled = true; resolve(); }, 200)));
    void cleanup.stopForClosedStdout(5000);
    await cleanup.stopOnSignal(5000);
    console.log(settled);`, dir);
  assert.equal(printed.trim(), 'true');
});

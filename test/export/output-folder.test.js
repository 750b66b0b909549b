import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkOutputFolder, runRecordName, writeRunRecord } from '../../dist/export/output-folder.js';
import { makeTempDir } from '../fixtures.js';

/** An output folder as an earlier run left it: masks/ and its record. */
function makeEarlierRun(folder) {
  mkdirSync(path.join(folder, 'masks'), { recursive: true });
  writeFileSync(path.join(folder, runRecordName), JSON.stringify({ tool: 'dino-track', entries: ['masks'] }));
}

describe('output folder check', () => {
  const cases = [
    ['a missing folder', () => undefined, false, undefined],
    ['an empty folder, without --overwrite', (f) => mkdirSync(f), false, undefined],
    ['an earlier run, without --overwrite', makeEarlierRun, false, /holds the output of an earlier run; pass --overwrite to replace it/],
    ['an earlier run, with --overwrite', makeEarlierRun, true, undefined],
    ['a folder of the user\'s files, even with --overwrite', (f) => { mkdirSync(f); writeFileSync(path.join(f, 'notes.txt'), 'precious'); }, true, /holds files dino-track did not write \(notes\.txt\); give a new or empty folder \(nothing was deleted\)/],
    ['an earlier run plus a user\'s file', (f) => { makeEarlierRun(f); writeFileSync(path.join(f, 'notes.txt'), 'x'); }, true, /did not write \(notes\.txt\)/],
    ['a masks folder without a record (not known to be ours)', (f) => mkdirSync(path.join(f, 'masks'), { recursive: true }), true, /did not write \(masks\)/],
    ['a file', (f) => writeFileSync(f, 'x'), true, /is a file, not a folder/],
  ];
  for (const [name, make, overwrite, error] of cases) {
    it(name, () => {
      const folder = path.join(makeTempDir(), 'out');
      make(folder);
      if (error) assert.throws(() => checkOutputFolder(folder, overwrite), { name: 'UsageError', message: error });
      else assert.doesNotThrow(() => checkOutputFolder(folder, overwrite));
    });
  }
});

describe('output folder check: files changed since the run wrote them', () => {
  /** An earlier run's davis and coco outputs, recorded as a run records them. */
  async function makeRecordedRun() {
    const folder = path.join(makeTempDir(), 'out');
    mkdirSync(path.join(folder, 'masks'), { recursive: true });
    for (const name of ['00000.png', '00001.png', '00002.png']) writeFileSync(path.join(folder, 'masks', name), `mask ${name}`);
    writeFileSync(path.join(folder, 'coco.json'), '{}');
    await writeRunRecord(folder, ['davis', 'coco']);
    return folder;
  }

  it('replaces an earlier run left as it was', async () => {
    const folder = await makeRecordedRun();
    assert.doesNotThrow(() => checkOutputFolder(folder, true));
  });

  it('refuses, even with --overwrite, an earlier run whose mask an annotator edited in place', async () => {
    // Editing out/masks/00001.png and rerunning into out with --overwrite deleted the edit.
    const folder = await makeRecordedRun();
    writeFileSync(path.join(folder, 'masks', '00001.png'), 'mask 00001.png, corrected by hand');
    assert.throws(() => checkOutputFolder(folder, true), { name: 'UsageError', message: /holds files changed since dino-track wrote them \(masks\/00001\.png\), or copied without their times \(cp -p and rsync -t keep them\), which replacing it would lose; move them out .*--prompts.*\(nothing was deleted\)/ });
    assert.throws(() => checkOutputFolder(folder, false), { message: /changed since dino-track wrote them/ }, 'said before asking for --overwrite');
  });

  it('refuses one edited to the same size, by its time', async () => {
    const folder = await makeRecordedRun();
    const file = path.join(folder, 'coco.json');
    writeFileSync(file, '[]');
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    assert.throws(() => checkOutputFolder(folder, true), { message: /changed since dino-track wrote them \(coco\.json\)/ });
  });

  it('replaces an earlier run whose masks were saved again unchanged, or copied without their times, long after (the same bytes lose nothing)', async () => {
    const folder = await makeRecordedRun();
    const later = new Date(Date.now() + 3_600_000);
    for (const name of ['00000.png', '00001.png', '00002.png']) {
      const file = path.join(folder, 'masks', name);
      writeFileSync(file, readFileSync(file));
      utimesSync(file, later, later);
    }
    assert.doesNotThrow(() => checkOutputFolder(folder, true));
    // The same time, other bytes: changed.
    writeFileSync(path.join(folder, 'masks', '00001.png'), 'mask 00001.pnG');
    utimesSync(path.join(folder, 'masks', '00001.png'), later, later);
    assert.throws(() => checkOutputFolder(folder, true), { message: /changed since dino-track wrote them \(masks\/00001\.png\)/ });
  });

  it('refuses one edited to the same size within the time a coarse disk may move it (a fix-up step run straight after)', async () => {
    // A first-time user: a mask re-saved at the same size within 2 s of the run was replaced by --overwrite.
    const folder = await makeRecordedRun();
    const file = path.join(folder, 'masks', '00001.png');
    const { files } = JSON.parse(readFileSync(path.join(folder, runRecordName), 'utf8'));
    writeFileSync(file, 'mask 00001.pnG');
    const soon = new Date(files['masks/00001.png'][1] + 500);
    utimesSync(file, soon, soon);
    assert.throws(() => checkOutputFolder(folder, true), { message: /changed since dino-track wrote them \(masks\/00001\.png\)/ });
  });

  it('refuses one edited to the same size with its time put back (touch -r, tools that keep times)', async () => {
    // A first-time-user trial: sed on tracks.txt then touch -r to the old time; --overwrite replaced the edit.
    const folder = await makeRecordedRun();
    const file = path.join(folder, 'coco.json');
    const reference = path.join(makeTempDir(), 'reference');
    writeFileSync(reference, '');
    execFileSync('touch', ['-r', file, reference]); // nanoseconds, as the trial's touch -r kept them
    writeFileSync(file, '[]');
    execFileSync('touch', ['-r', reference, file]);
    assert.equal(statSync(file).mtimeMs, JSON.parse(readFileSync(path.join(folder, runRecordName), 'utf8')).files['coco.json'][1]);
    assert.throws(() => checkOutputFolder(folder, true), { message: /changed since dino-track wrote them \(coco\.json\)/ });
  });

  it('hashes masks and annotation files, not JPEG frames (tens of GB for a long video, read again at the end of the run)', async () => {
    const folder = path.join(makeTempDir(), 'out');
    mkdirSync(path.join(folder, 'frames'), { recursive: true });
    mkdirSync(path.join(folder, 'masks'));
    writeFileSync(path.join(folder, 'frames', '00000.jpg'), 'jpeg');
    writeFileSync(path.join(folder, 'masks', '00000.png'), 'png');
    await writeRunRecord(folder, ['frames', 'davis']);
    const { files } = JSON.parse(readFileSync(path.join(folder, runRecordName), 'utf8'));
    assert.equal(files['frames/00000.jpg'].length, 2);
    assert.equal(files['masks/00000.png'].length, 4);
  });

  it('reads no file again whose modification and change times are both as recorded (a long video\'s outputs were hashed at every check: a review)', async () => {
    const folder = await makeRecordedRun();
    const recordFile = path.join(folder, runRecordName);
    const record = JSON.parse(readFileSync(recordFile, 'utf8'));
    // A hash that no longer matches the bytes: taken as it is, since nothing touched the file.
    record.files['masks/00001.png'][2] = '0'.repeat(40);
    writeFileSync(recordFile, JSON.stringify(record));
    assert.doesNotThrow(() => checkOutputFolder(folder, true));
  });

  it('replaces an unchanged earlier run whose times a coarse disk moved (FAT keeps 2 s)', async () => {
    const folder = await makeRecordedRun();
    const { files } = JSON.parse(readFileSync(path.join(folder, runRecordName), 'utf8'));
    for (const [name, [, mtime]] of Object.entries(files)) {
      const rounded = new Date(Math.ceil(mtime / 2000) * 2000 + 1);
      utimesSync(path.join(folder, name), rounded, rounded);
    }
    assert.doesNotThrow(() => checkOutputFolder(folder, true));
  });

  it('refuses a mask the run did not write, though it is named like one', async () => {
    const folder = await makeRecordedRun();
    writeFileSync(path.join(folder, 'masks', '00007.png'), 'painted');
    assert.throws(() => checkOutputFolder(folder, true), { message: /did not write \(masks\/00007\.png\)/ });
  });

  it('replaces an earlier run with a mask removed (nothing of it to lose)', async () => {
    const folder = await makeRecordedRun();
    const record = JSON.parse(readFileSync(path.join(folder, runRecordName), 'utf8'));
    assert.deepEqual(Object.keys(record.files).sort(), ['coco.json', 'masks/00000.png', 'masks/00001.png', 'masks/00002.png']);
    rmSync(path.join(folder, 'masks', '00002.png'));
    assert.doesNotThrow(() => checkOutputFolder(folder, true));
  });

  it('replaces an earlier version\'s run, whose record lists no files, as before', async () => {
    const folder = await makeRecordedRun();
    writeFileSync(path.join(folder, 'masks', '00002.png'), 'x');
    writeFileSync(path.join(folder, runRecordName), JSON.stringify({ tool: 'dino-track', entries: ['masks', 'coco.json'] }));
    assert.doesNotThrow(() => checkOutputFolder(folder, true));
  });
});

describe('replacing an earlier run at the end of a run', () => {
  it('keeps the earlier run, and this run\'s output beside it, when one of the earlier masks was edited while this run worked', async () => {
    const { openOutputs } = await import('../../dist/export/index.js');
    const target = path.join(makeTempDir(), 'out');
    const frame = { index: 0, width: 8, height: 6, labels: new Uint16Array(48).fill(1), objects: [{ id: 1, area: 48, bbox: [0, 0, 8, 6], score: 1 }] };
    const first = await openOutputs({ target, formats: ['davis'], fps: 10, overwrite: false });
    await first.write(frame);
    await first.finish();
    const second = await openOutputs({ target, formats: ['davis'], fps: 10, overwrite: true });
    await second.write(frame);
    writeFileSync(path.join(target, 'masks', '00000.png'), 'corrected by hand meanwhile');
    await assert.rejects(second.finish(), { name: 'UsageError', message: /^-o .*out holds files changed since dino-track wrote them \(masks\/00000\.png\), or copied without their times \(cp -p and rsync -t keep them\), which replacing it would lose; it changed while this run worked, so this run's output is in .*out-new instead \(nothing was deleted\)$/ });
    await second.abort();
    assert.equal(readFileSync(path.join(target, 'masks', '00000.png'), 'utf8'), 'corrected by hand meanwhile');
    // The finished run is kept, whole, beside it (a review: it was thrown away with the refusal).
    assert.ok(readFileSync(path.join(`${target}-new`, 'masks', '00000.png')).length > 0);
    assert.ok(readFileSync(path.join(`${target}-new`, runRecordName), 'utf8').includes('masks/00000.png'));
  });
});

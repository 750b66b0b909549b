import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { pngChunk as chunk } from '../../dist/export/indexed-png.js';
import { readInitMask } from '../../dist/track/index.js';
import { makeTempDir, writePackedPng as writePng } from '../fixtures.js';

const dir = makeTempDir();

describe('reading a mask PNG (--init-mask, --prompts)', () => {
  // 9 pixels wide: rows end mid-byte at every depth below 8.
  const [width, height] = [9, 4];
  const values = Array.from({ length: width * height }, (_, i) => ((i % width) * 7 + Math.floor(i / width)) % 4);
  for (const [depth, colourType, ids] of [[1, 3, 2], [2, 3, 4], [4, 3, 4], [8, 3, 4], [2, 0, 4], [4, 0, 4]]) {
    it(`reads each pixel's id from a ${depth}-bit ${colourType === 3 ? 'palette' : 'grey'} PNG (as Pillow writes few colours)`, async () => {
      const expected = values.map((v) => v % ids);
      const file = path.join(dir, `mask-${depth}-${colourType}.png`);
      writePng(file, expected, width, height, depth, colourType);
      const mask = await readInitMask(file, width, height, '--prompts', true);
      assert.deepEqual([...mask], expected);
    });
  }
});

describe('reading a grey mask PNG with an alpha channel (a paint tool that keeps transparency)', () => {
  /** An 8-bit grey+alpha PNG (colour type 4) of `values`, opaque except where `alpha` says. */
  function writeGreyAlpha(file, values, width, height, alpha = () => 255) {
    const raw = Buffer.alloc((2 * width + 1) * height);
    for (let i = 0; i < width * height; i++) raw.set([values[i], alpha(i)], Math.floor(i / width) * (2 * width + 1) + 1 + 2 * (i % width));
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header.set([8, 4, 0, 0, 0], 8);
    writeFileSync(file, Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
  }

  it('reads each opaque pixel\'s grey value as its id; refuses one not fully opaque in one line', async () => {
    // A first-time user: refused as "2 channels", where RGBA was read.
    const values = Array.from({ length: 12 }, (_, i) => i % 3);
    const file = path.join(dir, 'grey-alpha.png');
    writeGreyAlpha(file, values, 4, 3);
    assert.deepEqual([...(await readInitMask(file, 4, 3, '--prompts', true))], values);
    writeGreyAlpha(file, values, 4, 3, (i) => (i === 5 ? 128 : 255));
    await assert.rejects(readInitMask(file, 4, 3, '--prompts', true), { name: 'InputError', message: /grey-alpha\.png is a grey PNG with a pixel not fully opaque at \(1, 1\); save it without transparency, each pixel an object id$/ });
  });
});

describe('reading an interlaced mask PNG below 8 bits', () => {
  it('refuses it in one line (the decoder reads such passes wrongly or fails with "Unsupported filter")', async () => {
    const file = path.join(dir, 'interlaced.png');
    writePng(file, Array.from({ length: 36 }, (_, i) => i % 3), 9, 4, 4);
    const bytes = readFileSync(file);
    bytes[28] = 1; // interlace method: Adam7 (what the header says is all the check reads)
    writeFileSync(file, bytes);
    await assert.rejects(readInitMask(file, 9, 4, '--prompts', true), { name: 'InputError', message: /^--prompts .*interlaced\.png is an interlaced PNG of 4 bits a pixel, which cannot be read here; save it without interlacing \(or at 8 bits\)$/ });
  });
});

describe('checking prompt ids before the run', () => {
  it('counts the objects of a 4-bit prompt pixel by pixel (not "more than --max-objects")', async () => {
    const { checkPromptIds } = await import('../../dist/cli/prompt-ids.js');
    // Every pair of ids 0-3 side by side: 16 byte values at 4 bits.
    const [width, height] = [32, 2];
    const values = Array.from({ length: width * height }, (_, i) => (i % 2 === 0 ? (i >> 1) % 4 : ((i >> 3) % 4)));
    const file = path.join(dir, '00000.png');
    writePng(file, values, width, height, 4);
    // Read a byte at a time, pairs of ids made up to 16 values: refused as 16 objects.
    assert.equal(checkPromptIds({ prompts: [{ frame: 0, file }], source: `--prompts ${dir}`, option: '--prompts' }, 8, ['davis']), undefined);
  });

  it('says when a prompt is a 0/255 binary mask (object 255), or an index is coloured as another davis id', async () => {
    // A first-time user: a 0/255 mask erased the other objects on its frame, and a paint tool's
    // renumbered palette swapped two objects' ids, each without a word.
    const { checkPromptIds } = await import('../../dist/cli/prompt-ids.js');
    const { getPaletteColor } = await import('../../dist/export/index.js');
    const check = (file) => checkPromptIds({ prompts: [{ frame: 0, file }], source: `--prompts ${dir}`, option: '--prompts' }, 8, ['davis']);
    const [width, height] = [8, 4];
    const square = Array.from({ length: width * height }, (_, i) => (i % width >= 2 && i % width < 5 ? 1 : 0));
    const binary = path.join(dir, 'binary', '00000.png');
    mkdirSync(path.dirname(binary));
    writePng(binary, square.map((v) => v * 255), width, height, 8, 0);
    assert.match(check(binary), /binary\/00000\.png marks only id 255, as a 0\/255 binary mask does: it is taken as object 255, and every other object as not visible on that frame; save the object as the id it has on your other prompts \(1, 2, …\)$/);
    const renumbered = path.join(dir, 'renumbered', '00000.png');
    mkdirSync(path.dirname(renumbered));
    const colours = [0, 1, 3, 3].map((id) => getPaletteColor(id));
    writePng(renumbered, square.map((v, i) => (v ? 1 + (i % 2) : 0)), width, height, 8, 3, colours);
    assert.match(check(renumbered), /renumbered\/00000\.png: index 2 is coloured as the davis palette's id 3; ids are read from the indices, so that object is id 2/);
    // Our own masks' palette says nothing.
    const own = path.join(dir, 'own', '00000.png');
    mkdirSync(path.dirname(own));
    writePng(own, square.map((v, i) => (v ? 1 + (i % 2) : 0)), width, height, 8, 3, [0, 1, 2, 3].map((id) => getPaletteColor(id)));
    assert.equal(check(own), undefined);
  });

  it("says nothing of a one-pixel line of an id along a short stretch of a long hard edge, as our own masks hold (a first-time user's trial)", async () => {
    const { checkPromptIds } = await import('../../dist/cli/prompt-ids.js');
    const check = (file) => checkPromptIds({ prompts: [{ frame: 0, file }], source: `--prompts ${dir}`, option: '--prompts' }, 8, ['davis']);
    const [width, height] = [64, 48];
    /** Object 3 above the background, its hard edge on row 20, and a line of id 1 on row 20 over columns `from`–`to` (object 1 a block far away). */
    const write = (name, from, to) => {
      const values = Array.from({ length: width * height }, (_, i) => {
        const [x, y] = [i % width, Math.floor(i / width)];
        if (y === 20 && x >= from && x < to) return 1;
        if (y < 20 && x >= 4 && x < 60) return 3;
        return y > 40 && x < 10 ? 1 : 0;
      });
      const file = path.join(dir, name, '00000.png');
      mkdirSync(path.dirname(file));
      writePng(file, values, width, height, 8, 0);
      return file;
    };
    // 12 pixels of a 56-pixel edge: the rest of it hard, as a run's own masks are.
    assert.equal(check(write('own-line', 20, 32)), undefined);
    // The whole edge blended into a line of id 1: said.
    assert.match(check(write('soft-edge', 4, 60)), /soft-edge\/00000\.png: 56 pixels of id 1 at \(4, 20\) lie between pixels of a lower and a higher id, as blended \(anti-aliased\) edges leave them/);
  });
});

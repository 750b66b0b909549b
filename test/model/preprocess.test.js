import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getModelInputSize, writeNormalisedFrame_ } from '../../dist/model/index.js';

describe('preprocessing', () => {
  it('normalises RGB with the ImageNet mean and std into planes', () => {
    const rgb = Uint8Array.from([255, 0, 128, 0, 255, 64]); // 2x1 pixels
    const batch = new Float32Array(2 * 3 * 2);
    writeNormalisedFrame_(rgb, batch, 1, 2, 1);
    const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
    const slot = batch.subarray(6); // [3, 1, 2]
    close(slot[0], (1 - 0.485) / 0.229);
    close(slot[1], (0 - 0.485) / 0.229);
    close(slot[2], (0 - 0.456) / 0.224);
    close(slot[3], (1 - 0.456) / 0.224);
    close(slot[4], (128 / 255 - 0.406) / 0.225);
    close(slot[5], (64 / 255 - 0.406) / 0.225);
    assert.ok(batch.subarray(0, 6).every((v) => v === 0), 'other slots untouched');
  });

  it('gives every pixel its normalised value whether the frame is read four pixels at a time or, at an odd offset, bytewise', () => {
    const [width, height] = [7, 3]; // 21 pixels: the last one after the four-pixel groups
    const bytes = new Uint8Array(1 + width * height * 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 97 + 13) % 256;
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    for (const rgb of [bytes.subarray(0, width * height * 3), bytes.subarray(1)]) {
      const batch = new Float32Array(3 * width * height);
      writeNormalisedFrame_(rgb, batch, 0, width, height);
      for (let i = 0; i < width * height; i++) {
        for (let c = 0; c < 3; c++) assert.equal(batch[c * width * height + i], Math.fround((rgb[3 * i + c] / 255 - mean[c]) / std[c]), `pixel ${i} channel ${c}, offset ${rgb.byteOffset}`);
      }
    }
  });

  it('rejects a frame of the wrong size', () => {
    assert.throws(() => writeNormalisedFrame_(new Uint8Array(5), new Float32Array(6), 0, 2, 1), /expected 6/);
  });

  for (const [width, height, shortSide, patch, expected] of [
    [854, 480, 480, 16, { width: 848, height: 480 }],
    [1920, 1080, 480, 16, { width: 848, height: 480 }],
    [480, 854, 480, 8, { width: 480, height: 856 }],
    [128, 96, 96, 16, { width: 128, height: 96 }],
    [32, 32, 480, 16, { width: 32, height: 32 }],
    [320, 240, 480, 16, { width: 320, height: 240 }],
    [40, 30, 480, 16, { width: 48, height: 32 }],
  ]) {
    it(`sizes ${width}x${height} at short side ${shortSide}, patch ${patch}, never enlarging`, () => {
      assert.deepEqual(getModelInputSize(width, height, shortSide, patch), expected);
    });
  }

  it('enlarges only when asked (an explicit --short-side)', () => {
    assert.deepEqual(getModelInputSize(320, 240, 480, 16, true), { width: 640, height: 480 });
    assert.deepEqual(getModelInputSize(32, 32, 480, 16, true), { width: 480, height: 480 });
  });
});

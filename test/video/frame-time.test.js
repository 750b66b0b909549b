import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getFrameTime } from '../../dist/video/decode.js';

const timed = { fps: 30, hasTimestamps: true };
const untimed = { fps: 30, hasTimestamps: false };

describe('a decoded frame\'s time', () => {
  it('is the time read from the input when it has timestamps', () => {
    assert.equal(getFrameTime(timed, 3, 0.125), 0.125);
  });

  it('is index / fps without timestamps (a raw .h264), whatever ffmpeg made up, or when none was read', () => {
    assert.equal(getFrameTime(untimed, 3, 0.049619), 0.1);
    assert.equal(getFrameTime(timed, 3, undefined), 0.1);
  });

  it('is never below 0 (times count from the container\'s start)', () => {
    assert.equal(getFrameTime(timed, 0, -0.028597), 0);
  });
});

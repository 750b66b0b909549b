import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adviseOnEncoding } from '../../dist/video/encode.js';

describe('adviseOnEncoding: what an overlay encoding failure tells the user to do', () => {
  it('names the next step for the failures it knows, and --verbose for the rest', () => {
    assert.match(adviseOnEncoding('opus in MP4 support is experimental, add \'-strict -2\'\nError initializing output stream 0:0 --'), /--format davis/);
    assert.match(adviseOnEncoding('av_interleaved_write_frame(): No space left on device'), /free disk space/);
    // A user's quota is full as a disk is (a review: it got the generic --verbose advice).
    assert.match(adviseOnEncoding('Error writing trailer of /x/.out.mp4.partial.mp4: Disk quota exceeded'), /free disk space/);
    assert.match(adviseOnEncoding('/x/out.mp4: Permission denied'), /-o you can write to/);
    assert.match(adviseOnEncoding('something new'), /--verbose/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getFastBatchSize } from '../../dist/model/index.js';

// Tokens are patches + CLS. ViT-S/16 has 6 heads; at 480x848 30x53 patches, at 224x224 14x14; ViT-S/8 at 480x848 60x106.
const vitS480 = 30 * 53 + 1;
const vitS224 = 14 * 14 + 1;
const vitS8at480 = 60 * 106 + 1;

describe('getFastBatchSize', () => {
  it('keeps WebGPU batches\' attention products within 128 MiB (measured: batch 3 of ViT-S/16 at 480 lines ran 4x slower per frame than batch 2)', () => {
    assert.equal(getFastBatchSize(8, 'webgpu', 6, vitS480, 4), 2);
    assert.equal(getFastBatchSize(8, 'webgpu', 6, vitS480, 2), 4);
    assert.equal(getFastBatchSize(32, 'webgpu', 6, vitS224, 4), 32);
  });

  it('never goes below one frame, even when one frame alone is over the limit', () => {
    assert.equal(getFastBatchSize(8, 'webgpu', 6, vitS8at480, 4), 1);
  });

  it('leaves other providers at the batch asked for', () => {
    assert.equal(getFastBatchSize(8, 'cpu', 6, vitS480, 4), 8);
    assert.equal(getFastBatchSize(8, 'cuda', 6, vitS480, 4), 8);
  });
});

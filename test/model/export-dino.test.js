import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir, makeVideo, probeStreams, root, runCli } from '../fixtures.js';

// models/export_dino.py needs PyTorch, which dino-track itself never does: look for it
// in the system Python (Debian's python3-torch) and skip, saying so, where it is absent.
const python = ['/usr/bin/python3', 'python3'].find((bin) => spawnSync(bin, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0);

describe('models/export_dino.py', () => {
  it('exports a random-weight model that track accepts', { skip: python ? false : 'PyTorch and onnx are not installed for python3 (apt-get install python3-torch python3-onnx)' }, async () => {
    const dir = makeTempDir();
    const model = path.join(dir, 'exported.onnx');
    execFileSync(python, [path.join(root, 'models/export_dino.py'), '--random', '--dim', '48', '--depth', '2', '--heads', '3', '--size', '96x128', '-o', model], { stdio: 'ignore' });
    const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, seconds: 1 });
    const out = path.join(dir, 'out.mp4');
    const { code, stderr } = await runCli([video, '-o', out, '--model', model, '--verbose']);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /input 128x96 \(WxH; 6x8 patches\)/);
    assert.equal(probeStreams(out)[0].nb_read_frames, '10');

    // Its int8 copy (`models quantize`) runs too: a user with only a .pth gets the fast path.
    const quantized = path.join(dir, 'exported-int8.onnx');
    const quantize = await runCli(['models', 'quantize', model, '-o', quantized]);
    assert.equal(quantize.code, 0, quantize.stderr);
    const int8Out = path.join(dir, 'out-int8.mp4');
    const int8Run = await runCli([video, '-o', int8Out, '--model', quantized, '--verbose']);
    assert.equal(int8Run.code, 0, int8Run.stderr);
    assert.equal(probeStreams(int8Out)[0].nb_read_frames, '10');
  });
});

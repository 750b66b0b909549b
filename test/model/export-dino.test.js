import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir, makeVideo, probeStreams, root, runCli } from '../fixtures.js';

// models/export_dino.py needs PyTorch, which dino-track itself never does: look for it
// in the system Python (Debian's python3-torch) and skip, saying so, where it is absent.
const python = ['/usr/bin/python3', 'python3'].find((bin) => spawnSync(bin, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0);

const skip = python ? false : 'PyTorch and onnx are not installed for python3 (apt-get install python3-torch python3-onnx)';

describe('models/export_dino.py', () => {
  it('reads a full training checkpoint (teacher and student, and its command line as an argparse.Namespace)', { skip }, () => {
    // torch >= 2.6 reads weights only by default and refused main_dino.py's checkpoints over their
    // args (a first-time user's trial); with Debian's torch 1.13 this passes either way.
    const dir = makeTempDir();
    const checkpoint = path.join(dir, 'full.pth');
    const make = [
      'import argparse, sys, torch',
      `sys.path.insert(0, ${JSON.stringify(path.join(root, 'models'))})`,
      'from dino_vit import DinoViT',
      'vit = DinoViT(patch=16, dim=48, depth=2, heads=3)',
      'state = {"backbone." + k: v for k, v in vit.state_dict().items()}',
      `torch.save({"student": state, "teacher": state, "epoch": 3, "args": argparse.Namespace(arch="vit_small", lr=0.0005)}, ${JSON.stringify(checkpoint)})`,
    ].join('\n');
    execFileSync(python, ['-c', make], { stdio: 'ignore' });
    const model = path.join(dir, 'from-full.onnx');
    const exported = spawnSync(python, [path.join(root, 'models/export_dino.py'), '--checkpoint', checkpoint, '--dim', '48', '--depth', '2', '--heads', '3', '--size', '96x128', '-o', model], { encoding: 'utf8' });
    assert.equal(exported.status, 0, exported.stderr);
  });

  it('exports a random-weight model that track accepts', { skip }, async () => {
    const dir = makeTempDir();
    const model = path.join(dir, 'exported.onnx');
    execFileSync(python, [path.join(root, 'models/export_dino.py'), '--random', '--dim', '48', '--depth', '2', '--heads', '3', '--size', '96x128', '-o', model], { stdio: 'ignore' });
    const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, seconds: 1 });
    const out = path.join(dir, 'out.mp4');
    const { code, stderr } = await runCli([video, '-o', out, '--model', model, '--verbose']);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /input 128x96 \(WxH; 8x6 patches\)/);
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

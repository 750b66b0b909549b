import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inferFrames } from '../../dist/source-frames.js';
import { createStageClock } from '../../dist/util/stage-clock.js';

const width = 32;
const height = 16;

/** A fake model: each call answers, when released, with features that carry the frame's first pixel value. */
function makeModel() {
  const calls = [];
  const session = {
    run(input, batch) {
      let answer;
      const promise = new Promise((resolve) => (answer = resolve));
      calls.push({ first: input[0], batch, answer: () => answer({ heads: 1, dim: 1, clsAttention: new Float32Array(batch * 2), patchTokens: Float32Array.from({ length: batch * 2 }, (_, b) => input[Math.floor(b / 2) * 3 * width * height]) }) });
      return promise;
    },
  };
  return { calls, model: { session, inputWidth: width, inputHeight: height, rows: 1, cols: 2 } };
}

async function* decoded(count) {
  for (let index = 0; index < count; index++) yield { index, time: index / 25, model: Buffer.alloc(width * height * 3, index * 10) };
}

const everyFrame = { stride: 1, isRequired: () => false };

describe('inferFrames', () => {
  it('hands the next frame to the model before giving out this one, so the model never waits for the tracker', async () => {
    const { calls, model } = makeModel();
    const frames = inferFrames(decoded(3), model, 1, everyFrame, createStageClock());
    const first = frames.next();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls.length, 2, 'frame 1 is posted while frame 0 is still running');
    calls[0].answer();
    const out0 = await first;
    assert.equal(out0.value.index, 0);
    assert.equal(calls.length, 2, 'at most two batches in flight');
    calls[1].answer();
    const out1 = await frames.next();
    assert.equal(out1.value.index, 1);
    calls[2].answer();
    const rest = [];
    for await (const frame of frames) rest.push(frame.index);
    assert.deepEqual(rest, [2]);
    // Each frame keeps its own features, in order.
    assert.notEqual(out0.value.features.patchTokens[0], out1.value.features.patchTokens[0]);
  });

  it('keeps frame order with --stride (frames between key frames pass through) and batches', async () => {
    const { calls, model } = makeModel();
    const keys = { stride: 2, isRequired: () => false };
    const answering = setInterval(() => calls.forEach((c) => c.answer()), 1);
    const out = [];
    for await (const frame of inferFrames(decoded(7), model, 2, keys, createStageClock())) out.push([frame.index, frame.features !== undefined]);
    clearInterval(answering);
    assert.deepEqual(out, [[0, true], [1, false], [2, true], [3, false], [4, true], [5, false], [6, true]]);
    assert.deepEqual(calls.map((c) => c.batch), [2, 2]);
  });
});

describe('inferFrames on an int8 model that scales activations per call', () => {
  it('runs one frame a call whatever --batch, and says so once, so that masks never depend on --batch', async () => {
    // A second trial: a DynamicQuantizeLinear graph's masks and ids differed between --batch 1 and 4.
    const { calls, model } = makeModel();
    model.file = 'model_quantized.onnx';
    model.structure = { elementType: 'float', scalesPerCall: true };
    const said = [];
    const answering = setInterval(() => calls.forEach((c) => c.answer()), 1);
    const out = [];
    try {
      for await (const frame of inferFrames(decoded(5), model, 4, everyFrame, createStageClock(), (line) => said.push(line))) out.push(frame.index);
    } finally {
      clearInterval(answering);
    }
    assert.deepEqual(out, [0, 1, 2, 3, 4]);
    assert.deepEqual(calls.map((c) => c.batch), [1, 1, 1, 1, 1]);
    assert.equal(said.length, 1);
    assert.match(said[0], /^--batch 4: model_quantized\.onnx is an int8 model .* running one frame a call/);
  });

  it('batches a float graph as asked, without a word', async () => {
    const { calls, model } = makeModel();
    model.structure = { elementType: 'float', scalesPerCall: false };
    const said = [];
    const answering = setInterval(() => calls.forEach((c) => c.answer()), 1);
    try {
      for await (const frame of inferFrames(decoded(5), model, 4, everyFrame, createStageClock(), (line) => said.push(line))) assert.ok(frame.features);
    } finally {
      clearInterval(answering);
    }
    assert.deepEqual(calls.map((c) => c.batch), [4, 1]);
    assert.deepEqual(said, []);
  });
});

describe('inferFrames on WebGPU', () => {
  // ViT-S/16 at 480x848: 30x53 patches, 6 heads; one frame's attention product is 6 x 1591² float32 = 58 MiB.
  // Like the worker session: each answer hands its input back for a later batch, and carries
  // each frame's first pixel value in its patch tokens, so a frame given another's pixels shows.
  function makeWebGpuModel(elementType, rows = 30, cols = 53) {
    const calls = [];
    const plane = 3 * width * height;
    const session = {
      provider: 'webgpu',
      run(input, batch) {
        calls.push(batch);
        const patchTokens = new Float32Array(batch * rows * cols);
        for (let b = 0; b < batch; b++) patchTokens.fill(input[b * plane], b * rows * cols, (b + 1) * rows * cols);
        return Promise.resolve({ heads: 6, dim: 1, clsAttention: new Float32Array(batch * 6 * rows * cols), patchTokens, spentInput: input });
      },
    };
    return { calls, model: { session, inputWidth: width, inputHeight: height, rows, cols, structure: { elementType } } };
  }
  // decoded(): frame k's pixels are all k * 10, which the normalisation maps to one value per k.
  const firstValues = async (frames) => {
    const values = [];
    for await (const frame of frames) values.push(frame.features.patchTokens[0]);
    return values;
  };

  it('caps --batch so that one call\'s attention products stay within 128 MiB (WebGPU ran several times slower past about 160 MB), and says so', async () => {
    const { calls, model } = makeWebGpuModel('float');
    const said = [];
    const values = await firstValues(inferFrames(decoded(9), model, 8, everyFrame, createStageClock(), (line) => said.push(line)));
    // Every frame its own pixels, in order, though the inputs of one-frame calls came back for two-frame ones.
    assert.equal(new Set(values).size, 9);
    assert.deepEqual(values, [...values].sort((a, b) => a - b));
    // One frame a call until the first answer gives the head count, then two (2 x 58 MiB fits, 4 would not).
    assert.deepEqual(calls, [1, 1, 2, 2, 2, 1]);
    assert.equal(said.length, 1);
    assert.match(said[0], /--batch 8 .* using --batch 2$/);
  });

  it('fits twice the frames of a float16 graph, whose attention is half the bytes', async () => {
    const { calls, model } = makeWebGpuModel('float16');
    const values = await firstValues(inferFrames(decoded(10), model, 8, everyFrame, createStageClock()));
    assert.equal(new Set(values).size, 10);
    assert.deepEqual(calls, [1, 1, 4, 4]);
  });

  it('keeps the batch asked for, without a word, where it fits (224x224: 197 tokens)', async () => {
    const { calls, model } = makeWebGpuModel('float', 14, 14);
    const said = [];
    const keys = { stride: 2, isRequired: () => false };
    for await (const frame of inferFrames(decoded(20), model, 4, keys, createStageClock(), (line) => said.push(line))) assert.equal(frame.features !== undefined, frame.index % 2 === 0 || frame.index === 19);
    assert.deepEqual(calls, [1, 1, 4, 4, 1]);
    assert.deepEqual(said, []);
  });
});

describe('inferFrames memory', () => {
  it('holds a bounded number of decoded frames whatever --batch × --stride, not a batch of key frames with every frame between', async () => {
    // A review: --batch 64 --stride 30 held every decoded frame (full size too) until 64 key frames
    // had come, a 700-frame 640x480 video whole (865 MB); at 1080p --batch 32 --stride 10 ~4 GB.
    const { calls, model } = makeModel();
    // 8 MiB full-size pictures (views of one buffer: what is counted is what matters; a 1080p frame is 6 MB).
    const full = Buffer.alloc(8 * 2 ** 20);
    let pulled = 0;
    let pulledAtFirstCall;
    async function* largeFrames(count) {
      for (let index = 0; index < count; index++) {
        pulled++;
        yield { index, time: index / 25, model: Buffer.alloc(width * height * 3, index), full };
      }
    }
    const keys = { stride: 30, isRequired: () => false };
    const session = model.session;
    model.session = { run: (...args) => ((pulledAtFirstCall ??= pulled), session.run(...args)) };
    const answering = setInterval(() => calls.forEach((c) => c.answer()), 1);
    const out = [];
    try {
      for await (const frame of inferFrames(largeFrames(600), model, 64, keys, createStageClock())) out.push(frame.index);
    } finally {
      clearInterval(answering);
    }
    assert.deepEqual(out, Array.from({ length: 600 }, (_, i) => i), 'every frame, in order');
    // 192 MiB of waiting frames at 8 MiB each: the first batch goes once 24 are waiting (64 key frames would be 1891 frames).
    assert.ok(pulledAtFirstCall <= 25, `the model was first called after ${pulledAtFirstCall} frames were decoded`);
    assert.ok(calls.every((c) => c.batch >= 1), 'every call has a key frame');
  });
});

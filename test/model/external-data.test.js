import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { onnx } from '../../dist/model/onnx-graph.js';
import { decodeModel, encodeModel } from '../../dist/model/index.js';
import { makeTempDir, models, runCli } from '../fixtures.js';

/**
 * Writes `models.tiny` the way torch.onnx.export and onnx.save_model(save_as_external_data=True)
 * write large models: each initializer's values in `model.onnx_data` beside the graph, which
 * keeps only where they are (location, offset, length).
 */
function writeWithExternalData(folder) {
  const model = decodeModel(readFileSync(models.tiny), models.tiny);
  const chunks = [];
  let offset = 0;
  for (const tensor of model.graph.initializer) {
    const bytes = tensor.rawData;
    if (!bytes || bytes.length < 64) continue;
    tensor.externalData = [
      onnx.StringStringEntryProto.create({ key: 'location', value: 'model.onnx_data' }),
      onnx.StringStringEntryProto.create({ key: 'offset', value: String(offset) }),
      onnx.StringStringEntryProto.create({ key: 'length', value: String(bytes.length) }),
    ];
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    tensor.rawData = new Uint8Array(0);
    chunks.push(bytes);
    offset += bytes.length;
  }
  const file = path.join(folder, 'model.onnx');
  writeFileSync(file, encodeModel(model));
  writeFileSync(path.join(folder, 'model.onnx_data'), Buffer.concat(chunks));
  return file;
}

describe('models with external data files (model.onnx + model.onnx_data)', () => {
  const folder = makeTempDir('dino-track-external-');
  const external = writeWithExternalData(folder);

  it('prepare and quantize read the weights from the data file: the same model as the file with its weights inside', async () => {
    // Before, prepare failed on the empty position embeddings, and quantize wrote zeros for every weight and exited 0.
    for (const [command, extra] of [['prepare', ['--size', '96x128']], ['quantize', []]]) {
      const fromInline = path.join(folder, `${command}-inline.onnx`);
      const fromExternal = path.join(folder, `${command}-external.onnx`);
      const inline = await runCli(['models', command, models.tiny, ...extra, '-o', fromInline]);
      assert.equal(inline.code, 0, inline.stderr);
      const result = await runCli(['models', command, external, ...extra, '-o', fromExternal]);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(Buffer.compare(readFileSync(fromInline), readFileSync(fromExternal)) === 0, `${command}: the outputs differ`);
    }
  });

  it('track runs such a model from another folder (onnxruntime looked for the data file in the current one)', async () => {
    const video = path.join(folder, 'in.mp4');
    const { makeVideo } = await import('../fixtures.js');
    makeVideo(video, { width: 128, height: 96, fps: 10, seconds: 1 });
    const result = await runCli([video, '-o', path.join(folder, 'out'), '--format', 'ndjson', '--model', external, '--progress', 'none'], { env: { DINO_TRACK_CACHE: path.join(folder, 'cache') }, cwd: makeTempDir() });
    assert.equal(result.code, 0, result.stderr);
  });

  it('refuses a data file named outside the model\'s folder (a model cannot read any file on the disk into its copies)', async () => {
    const model = decodeModel(readFileSync(external), external, external);
    const outside = makeTempDir();
    const file = path.join(outside, 'model.onnx');
    const tensor = model.graph.initializer.find((t) => t.rawData?.length >= 64);
    tensor.externalData = [onnx.StringStringEntryProto.create({ key: 'location', value: '../elsewhere.bin' })];
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    tensor.rawData = new Uint8Array(0);
    writeFileSync(path.join(outside, '..', 'elsewhere.bin'), Buffer.alloc(1 << 16));
    writeFileSync(file, encodeModel(model));
    const result = await runCli(['models', 'prepare', file, '--size', '96x128', '-o', path.join(outside, 'p.onnx')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /names its data file \.\.\/elsewhere\.bin, outside the model's folder/);
  });

  it('takes a data file in the model\'s folder whose name starts with two dots (..data)', async () => {
    const folder2 = makeTempDir('dino-track-external-dots-');
    const file = writeWithExternalData(folder2);
    const model = decodeModel(readFileSync(file), file, file);
    // Written again with its data under a name that starts with "..": still in the folder.
    const chunks = [];
    let offset = 0;
    for (const tensor of model.graph.initializer) {
      const bytes = tensor.rawData;
      if (!bytes || bytes.length < 64) continue;
      tensor.externalData = ['location:..data', `offset:${offset}`, `length:${bytes.length}`].map((e) => onnx.StringStringEntryProto.create({ key: e.split(':')[0], value: e.split(':')[1] }));
      tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      tensor.rawData = new Uint8Array(0);
      chunks.push(bytes);
      offset += bytes.length;
    }
    writeFileSync(file, encodeModel(model));
    writeFileSync(path.join(folder2, '..data'), Buffer.concat(chunks));
    const result = await runCli(['models', 'prepare', file, '--size', '96x128', '-o', path.join(folder2, 'p.onnx')]);
    assert.equal(result.code, 0, result.stderr);
  });

  it('refuses, in one line, a model whose data file is not beside it', async () => {
    rmSync(path.join(folder, 'model.onnx_data'));
    const result = await runCli(['models', 'prepare', external, '--size', '96x128', '-o', path.join(folder, 'missing.onnx')]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /model\.onnx_data.*keep the model's data file in the same folder/);
  });
});

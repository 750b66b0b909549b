// node test/bench/normalise.js [other-dist/model/index.js] — time to normalise one 848x480
// RGB24 frame into the model's input planes (writeNormalisedFrame_), median of 50 after 5
// warm-ups; with a second build's module, the two alternate A B A B in one process.
import { writeNormalisedFrame_ } from '../../dist/model/index.js';

const width = 848;
const height = 480;
const rgb = new Uint8Array(width * height * 3);
for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 2654435761) >>> 24;
const builds = [['this build', writeNormalisedFrame_]];
if (process.argv[2]) builds.push([process.argv[2], (await import(process.argv[2])).writeNormalisedFrame_]);
const times = new Map(builds.map(([name]) => [name, []]));
const outputs = new Map(builds.map(([name]) => [name, new Float32Array(3 * width * height)]));
for (let i = 0; i < 55; i++) {
  for (const [name, normalise] of builds) {
    const started = performance.now();
    normalise(rgb, outputs.get(name), 0, width, height);
    if (i >= 5) times.get(name).push(performance.now() - started);
  }
}
const [reference] = outputs.values();
for (const [name, values] of times) {
  values.sort((a, b) => a - b);
  const same = outputs.get(name).every((v, i) => v === reference[i]);
  console.log(`${name}: ${values[values.length >> 1].toFixed(2)} ms per 848x480 frame (median)${same ? '' : ', DIFFERENT values'}`);
}

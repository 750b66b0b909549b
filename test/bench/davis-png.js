// node test/bench/davis-png.js [other-dist/export/index.js] — time to encode one 848x480 DAVIS
// mask PNG (two elliptical objects), mean of 50 after 5 warm-ups; with a second build's
// module, the two alternate A B A B in one process.
import { encodeDavisPng } from '../../dist/export/index.js';

const width = 848;
const height = 480;
const labels = new Uint16Array(width * height);
for (let y = 0; y < height; y++) {
  for (let x = 0; x < width; x++) {
    if ((x - 300) ** 2 + (y - 200) ** 2 < 90 ** 2) labels[y * width + x] = 1;
    else if ((x - 600) ** 2 / 2 + (y - 300) ** 2 < 70 ** 2) labels[y * width + x] = 2;
  }
}
const encoders = [['this build', encodeDavisPng]];
if (process.argv[2]) encoders.push([process.argv[2], (await import(process.argv[2])).encodeDavisPng]);
const times = new Map(encoders.map(([name]) => [name, []]));
const sizes = new Map();
for (let i = 0; i < 55; i++) {
  for (const [name, encode] of encoders) {
    const started = performance.now();
    sizes.set(name, encode(labels, width, height).length);
    if (i >= 5) times.get(name).push(performance.now() - started);
  }
}
for (const [name, values] of times) console.log(`${name}: ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(2)} ms per 848x480 mask, ${sizes.get(name)} bytes`);

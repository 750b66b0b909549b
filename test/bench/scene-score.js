// Scores one scene's predicted label maps against its truth: DAVIS J, F, J&F, id switches
// and IDF1 (src/eval), the patch-grid oracle's J, and tracks made vs objects.
import { createSequenceScorer } from '../../dist/eval/index.js';
import { getPatchOracle } from './scene-families.js';

/** Accumulates frames of one scene; `finish()` returns its row of the benchmark table. */
export function createSceneScore(width, height) {
  const scorer = createSequenceScorer(width, height);
  const oracle = createSequenceScorer(width, height);
  const tracks = new Set();
  const objects = new Set();
  return {
    add(prediction, truth) {
      scorer.add(prediction, truth);
      oracle.add(getPatchOracle(truth, width, height), truth);
      for (let i = 0; i < prediction.length; i++) if (prediction[i]) tracks.add(prediction[i]);
      for (let i = 0; i < truth.length; i++) if (truth[i]) objects.add(truth[i]);
    },
    finish() {
      const score = scorer.finish();
      return { ...score, jf: (score.j + score.f) / 2, oracleJ: oracle.finish().j, tracks: tracks.size, objects: objects.size };
    },
  };
}

const fmt = (v) => v.toFixed(3);

/** Prints one set's table and returns its summary. */
export function printTable(title, rows) {
  console.log(`\n${title}`);
  console.log(['scene'.padEnd(16), 'size   ', 'frames', '    J', '    F', '  J&F', 'oracle J', 'J/oracle', 'id sw', ' IDF1', 'tracks/objects', 'track s'].join('  '));
  for (const r of rows) {
    console.log([r.name.padEnd(16), r.size.padEnd(7), String(r.frames).padStart(6), fmt(r.j), fmt(r.f), fmt(r.jf), fmt(r.oracleJ).padStart(8), fmt(r.j / r.oracleJ).padStart(8), String(r.idSwitches).padStart(5), fmt(r.idf1), `${r.tracks}/${r.objects}`.padStart(14), r.seconds.toFixed(1).padStart(7)].join('  '));
  }
  const mean = (key) => rows.reduce((s, r) => s + r[key], 0) / rows.length;
  const summary = {
    j: mean('j'), f: mean('f'), jf: mean('jf'), oracleJ: mean('oracleJ'),
    idSwitches: rows.reduce((s, r) => s + r.idSwitches, 0), idf1: mean('idf1'),
    exactTracks: rows.filter((r) => r.tracks === r.objects).length, scenes: rows.length,
  };
  console.log(['mean'.padEnd(16), ''.padEnd(7), ''.padStart(6), fmt(summary.j), fmt(summary.f), fmt(summary.jf), fmt(summary.oracleJ).padStart(8), fmt(summary.j / summary.oracleJ).padStart(8), String(summary.idSwitches).padStart(5), fmt(summary.idf1), `${summary.exactTracks}/${summary.scenes} exact`.padStart(14)].join('  '));
  return summary;
}

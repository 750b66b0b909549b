// The per-scene diagnosis bench:heldout prints: for each track, when it lived, which truth object
// it stood for (frame by frame, Jaccard > 0.5 as the id-switch count uses) and, where it stood for
// none, what its pixels covered (objects, the wall, the wandering attention blob, background);
// for each object, the tracks it was matched to in order, with the frames of each switch.

function jaccard(predicted, truth, p, o) {
  let both = 0;
  let either = 0;
  for (let i = 0; i < predicted.length; i++) {
    const a = predicted[i] === p;
    const b = truth[i] === o;
    if (a && b) both++;
    if (a || b) either++;
  }
  return either ? both / either : 0;
}

/** Collects the trace of one scene frame by frame; nothing but counts is kept. */
export function createTrace(scene, blobs) {
  const tracks = new Map(); // id → { first, last, frames, area, matched: Map(object → frames), unmatched: {frames, object, wall, blob, background} }
  const matches = new Map(); // object → [{ track, from, to }]
  const onWall = (x, y) => scene.wall && x >= scene.wall.x0 && x < scene.wall.x1 && y >= scene.wall.y0 && y < scene.wall.y1;
  return {
    add(t, predicted, truth) {
      const ids = new Set(predicted);
      ids.delete(0);
      const objects = new Set(truth);
      objects.delete(0);
      const matchedTrack = new Map();
      for (const o of objects) {
        let best;
        let bestJ = 0.5;
        for (const p of ids) {
          const j = jaccard(predicted, truth, p, o);
          if (j > bestJ) [best, bestJ] = [p, j];
        }
        if (best === undefined) continue;
        matchedTrack.set(best, o);
        const list = matches.get(o) ?? [];
        const last = list[list.length - 1];
        if (last && last.track === best) last.to = t;
        else list.push({ track: best, from: t, to: t });
        matches.set(o, list);
      }
      const blob = blobs[t];
      for (const p of ids) {
        const entry = tracks.get(p) ?? { first: t, last: t, frames: 0, area: 0, matched: new Map(), unmatched: { frames: 0, object: 0, wall: 0, blob: 0, background: 0 } };
        entry.last = t;
        entry.frames++;
        let area = 0;
        const where = { object: 0, wall: 0, blob: 0, background: 0 };
        for (let i = 0; i < predicted.length; i++) {
          if (predicted[i] !== p) continue;
          area++;
          const x = i % scene.width;
          const y = Math.floor(i / scene.width);
          if (truth[i]) where.object++;
          else if (onWall(x, y)) where.wall++;
          else if (Math.hypot(x - blob.x, y - blob.y) < 2.5 * scene.blob.radius) where.blob++;
          else where.background++;
        }
        entry.area += area;
        const o = matchedTrack.get(p);
        if (o !== undefined) entry.matched.set(o, (entry.matched.get(o) ?? 0) + 1);
        else {
          entry.unmatched.frames++;
          for (const key of Object.keys(where)) entry.unmatched[key] += where[key] / area;
        }
        tracks.set(p, entry);
      }
    },
    finish: () => ({ tracks, matches }),
  };
}

/** Prints one scene's trace. */
export function printTrace(name, { tracks, matches }, hiddenFrames) {
  console.log(`\n${name}: objects fully hidden/out of frame for ${hiddenFrames.map((h, i) => `${i + 1}: ${h}`).join(', ')} frames`);
  for (const [id, e] of [...tracks.entries()].sort((a, b) => a[0] - b[0])) {
    const matched = [...e.matched.entries()].map(([o, n]) => `object ${o} ${n}`).join(', ') || 'no object';
    const u = e.unmatched;
    const share = (key) => (u.frames ? (u[key] / u.frames).toFixed(2) : '-');
    const unmatched = u.frames ? `; unmatched ${u.frames} frames, its pixels on objects ${share('object')}, wall ${share('wall')}, blob ${share('blob')}, background ${share('background')}` : '';
    console.log(`  track ${id}: frames ${e.first}-${e.last} (${e.frames} shown), mean area ${Math.round(e.area / e.frames)} px; matched ${matched}${unmatched}`);
  }
  for (const [o, list] of [...matches.entries()].sort((a, b) => a[0] - b[0])) {
    console.log(`  object ${o}: ${list.map((m) => `track ${m.track} ${m.from}-${m.to}`).join(' → ')}`);
  }
}

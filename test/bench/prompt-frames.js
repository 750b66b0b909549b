// Which frames the prompted benchmark annotates (PROMPTS=first|after-occlusion|middle npm run bench:track),
// and each object's J around its occlusions, from the ground truth alone.

/** An occlusion: an object's area below this share of its largest area since its last occlusion, until it is back above it. */
const hiddenShare = 0.5;

/** Pixel area of each id `[frames][id]` from DAVIS truth label maps. */
export function getAreas(truths) {
  return truths.map((labels) => {
    const area = new Map();
    for (const v of labels) if (v) area.set(v, (area.get(v) ?? 0) + 1);
    return area;
  });
}

/** Each object's occlusions: `{ id, start, end }`, frames start..end-1 hidden, `end` the first frame back. */
export function findOcclusions(areas) {
  const ids = [...new Set(areas.flatMap((a) => [...a.keys()]))];
  const out = [];
  for (const id of ids) {
    let before = areas[0].get(id) ?? 0;
    let start;
    for (let t = 1; t < areas.length; t++) {
      const area = areas[t].get(id) ?? 0;
      if (start === undefined && before > 0 && area < hiddenShare * before) start = t;
      else if (start !== undefined && area >= hiddenShare * before) {
        out.push({ id, start, end: t });
        start = undefined;
      }
      if (start === undefined) before = Math.max(before, area);
      if (out.at(-1)?.id === id && out.at(-1).end === t) before = area;
    }
  }
  return out.sort((a, b) => a.end - b.end);
}

/** The prompted frames for a mode. */
export function getPromptFrames(mode, frames, occlusions) {
  if (mode === 'first') return [0];
  if (mode === 'middle') return [Math.floor(frames / 2)];
  if (mode === 'after-occlusion') return [...new Set([0, ...occlusions.map((o) => o.end)])].filter((t) => t < frames).sort((a, b) => a - b);
  throw new Error(`PROMPTS=${mode}: expected first, after-occlusion or middle`);
}

/** Mean IoU of `id` over frames [from, to) where the truth shows it. */
export function getObjectJ(predictions, truths, id, from, to) {
  let sum = 0;
  let count = 0;
  for (let t = from; t < to; t++) {
    let inter = 0;
    let union = 0;
    let present = false;
    const p = predictions[t];
    const g = truths[t];
    for (let i = 0; i < g.length; i++) {
      if (g[i] === id) present = true;
      if (p[i] === id && g[i] === id) inter++;
      if (p[i] === id || g[i] === id) union++;
    }
    if (!present) continue;
    sum += inter / union;
    count++;
  }
  return count ? sum / count : NaN;
}

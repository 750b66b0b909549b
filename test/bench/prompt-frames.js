// Which frames the prompted benchmark annotates (PROMPTS=first|after-occlusion|middle npm run bench:track),
// and each object's J around its occlusions, from the ground truth alone.

/** Pixel area of each id `[frames][id]` from DAVIS truth label maps. */
export function getAreas(truths) {
  return truths.map((labels) => {
    const area = new Map();
    for (const v of labels) if (v) area.set(v, (area.get(v) ?? 0) + 1);
    return area;
  });
}

/** An object is partly hidden below this share of its largest area since its last occlusion. */
const partlyHidden = 0.9;
/** A run of partly hidden frames is an occlusion when in some frame less than this share is visible. */
const mostlyHidden = 0.5;

/**
 * Each object's occlusions: `{ id, start, end }`, frames start..end-1 at least partly hidden
 * (some of them mostly), `end` the first frame it is fully back.
 */
export function findOcclusions(areas) {
  const ids = [...new Set(areas.flatMap((a) => [...a.keys()]))];
  const out = [];
  for (const id of ids) {
    let full = areas[0].get(id) ?? 0;
    let run;
    for (let t = 1; t < areas.length; t++) {
      const area = areas[t].get(id) ?? 0;
      if (area < partlyHidden * full) {
        run ??= { start: t, least: area };
        run.least = Math.min(run.least, area);
        continue;
      }
      if (run && run.least < mostlyHidden * full) out.push({ id, start: run.start, end: t });
      run = undefined;
      full = Math.max(full, area);
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

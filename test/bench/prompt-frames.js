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

/** An object is back once this share of what was in view before the occlusion is in view again. */
const fullyBack = 0.95;

/**
 * Each object's occlusions from the generator's visible shares (`[frames]` id → share of the
 * object in view; a wall, an object in front or the frame's edge hides part of it): `{ id,
 * start, end }`, frames start..end-1 show under 90% of the most that was in view before
 * (some under 50%), `end` the first frame showing 95% of it again. Relative, because an
 * object may be partly hidden all along (a low bar in front of it); shares rather than
 * areas, so an object that grows or shrinks is not taken for one being hidden.
 */
export function findOcclusionsByShare(visible) {
  const ids = [...new Set(visible.flatMap((v) => [...v.keys()]))];
  const out = [];
  for (const id of ids) {
    let full = 0; // the most of it in view since its last occlusion
    let run;
    for (let t = 0; t < visible.length; t++) {
      const share = visible[t].get(id) ?? 0;
      if (!run && share < partlyHidden * full) run = { start: t, least: share };
      if (!run) {
        full = Math.max(full, share);
        continue;
      }
      run.least = Math.min(run.least, share);
      if (share < fullyBack * full) continue;
      if (run.least < mostlyHidden * full) out.push({ id, start: run.start, end: t });
      run = undefined;
      full = share;
    }
  }
  return out.sort((a, b) => a.end - b.end);
}

/**
 * Each object's occlusions from truth areas alone (scenes without visible shares): `{ id,
 * start, end }`, frames start..end-1 at least partly hidden (some of them mostly), `end` the
 * first frame it is back to 90% of its largest area since its last occlusion.
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

/**
 * The prompted frames for a mode. `middle`: the frame nearest the middle that shows an object
 * (`areas` from getAreas; a prompt marking nothing is refused, as a user would not give it).
 */
export function getPromptFrames(mode, frames, occlusions, areas) {
  if (mode === 'first') return [0];
  if (mode === 'middle') {
    const middle = Math.floor(frames / 2);
    for (let d = 0; d < frames; d++) for (const t of [middle - d, middle + d]) if (t >= 0 && t < frames && (!areas || areas[t].size)) return [t];
  }
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

import { getComponents } from '../proposals.js';
import { getWinners } from '../reanchor.js';

/**
 * Gives the background the pieces of an object's region that appear away from where the
 * object was the frame before. Label propagation labels by look: an object nobody annotated
 * (not in view on the prompt's frame) that looks like an annotated one took that one's id
 * wherever it showed (a first-time-user trial: the red square's id also covered a yellow one
 * 140 px away on every frame the yellow one was in view). A piece is kept when one of its
 * patches is within `reach` patches (rows and columns) of the object's region on the frame
 * before; an object with no region there (hidden) is left to re-anchoring.
 * @param soft id → `[rows*cols]` soft labels of this frame, background (0) among them; changed in place
 * @param previous the same for the frame before (the prompt's one-hot labels right after it)
 */
export function dropNewcomers_(soft: Map<number, Float32Array>, previous: Map<number, Float32Array>, rows: number, cols: number, reach: number): void {
  const patches = rows * cols;
  const background = soft.get(0);
  if (!background) return;
  const owners = getWinners(soft, patches);
  const before = getWinners(previous, patches);
  for (const [id, grid] of soft) {
    if (id === 0) continue;
    const near = new Uint8Array(patches);
    let seen = false;
    for (let i = 0; i < patches; i++) {
      if (before[i] !== id) continue;
      seen = true;
      const r = Math.floor(i / cols);
      const c = i % cols;
      for (let rr = Math.max(0, r - reach); rr <= Math.min(rows - 1, r + reach); rr++) {
        for (let cc = Math.max(0, c - reach); cc <= Math.min(cols - 1, c + reach); cc++) near[rr * cols + cc] = 1;
      }
    }
    if (!seen) continue;
    const region = Uint8Array.from(owners, (owner) => (owner === id ? 1 : 0));
    for (const piece of getComponents(region, rows, cols)) {
      if (piece.some((i) => near[i])) continue;
      for (const i of piece) {
        background[i] += grid[i];
        grid[i] = 0;
      }
    }
  }
}

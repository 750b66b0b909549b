/**
 * Resizing of a ViT's learned position embeddings to a new patch grid, computed the
 * way DINO's `interpolate_pos_encoding` does: PyTorch bicubic (A = -0.75, half-pixel
 * centres, edge clamping) driven by the scale factor (grid + 0.1) / side rather than by
 * the output size. The 0.1 shifts every sample point slightly, so reproducing it
 * exactly is what makes a prepared model match PyTorch.
 */

const cubicA = -0.75;

function cubicNear(x: number): number {
  return ((cubicA + 2) * x - (cubicA + 3)) * x * x + 1;
}

function cubicFar(x: number): number {
  return ((cubicA * x - 5 * cubicA) * x + 8 * cubicA) * x - 4 * cubicA;
}

interface Taps {
  index: Int32Array; // [out, 4] source indices, clamped
  weight: Float64Array; // [out, 4]
}

/** The four source taps and weights for each output position along one axis. */
function computeTaps(inSize: number, outSize: number, scaleFactor: number): Taps {
  const index = new Int32Array(outSize * 4);
  const weight = new Float64Array(outSize * 4);
  // PyTorch stores the inverse scale and the source coordinate in float32.
  const inverse = Math.fround(1 / scaleFactor);
  for (let o = 0; o < outSize; o++) {
    const source = Math.fround(Math.fround(inverse * (o + 0.5)) - 0.5);
    const floor = Math.floor(source);
    const t = Math.fround(source - floor);
    const w = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)];
    for (let k = 0; k < 4; k++) {
      index[o * 4 + k] = Math.min(Math.max(floor - 1 + k, 0), inSize - 1);
      weight[o * 4 + k] = w[k];
    }
  }
  return { index, weight };
}

/**
 * Resizes patch position embeddings from a side×side grid to rows×cols.
 * @param patchEmbeddings `[side*side, dim]` row-major, CLS row excluded
 * @returns `[rows*cols, dim]`
 */
export function resizePositionEmbedding(
  patchEmbeddings: Float32Array,
  side: number,
  dim: number,
  rows: number,
  cols: number,
): Float32Array {
  if (patchEmbeddings.length !== side * side * dim) {
    throw new RangeError(`expected ${side}x${side}x${dim} embeddings, got ${patchEmbeddings.length} values`);
  }
  const vertical = computeTaps(side, rows, (rows + 0.1) / side);
  const horizontal = computeTaps(side, cols, (cols + 0.1) / side);
  const out = new Float32Array(rows * cols * dim);
  const acc = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      acc.fill(0);
      for (let i = 0; i < 4; i++) {
        const wy = vertical.weight[r * 4 + i];
        const y = vertical.index[r * 4 + i];
        for (let j = 0; j < 4; j++) {
          const w = wy * horizontal.weight[c * 4 + j];
          const base = (y * side + horizontal.index[c * 4 + j]) * dim; // [side, side, dim]
          for (let d = 0; d < dim; d++) acc[d] += w * patchEmbeddings[base + d];
        }
      }
      out.set(acc, (r * cols + c) * dim);
    }
  }
  return out;
}

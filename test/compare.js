// How tests and benchmarks compare model outputs (float arrays of equal length).
import assert from 'node:assert/strict';

/** Largest absolute difference between two arrays. */
export function maxAbsError(actual, expected) {
  assert.equal(actual.length, expected.length, 'output sizes differ');
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}

/** Cosine similarity of two arrays taken as vectors. */
export function cosine(a, b) {
  assert.equal(a.length, b.length, 'output sizes differ');
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return dot / Math.sqrt(normA * normB);
}

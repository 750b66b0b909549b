import path from 'node:path';

/** Whether `inner` is the path `outer` or lies inside it (both resolved the same way). */
export function isWithin(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

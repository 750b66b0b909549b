/** `1 frame`, `2 frames`: a count with its noun, for the closing lines. */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * Marks every `stride`-th item as a key frame, and the last item too, so that every other
 * frame lies between two keys (`--stride`). `isRequired(index)` names frames that must be
 * keys whatever the stride (an annotated frame). Holds one item back to know which is last.
 */
export async function* markKeyFrames<T>(items: AsyncIterable<T>, stride: number, isRequired: (index: number) => boolean = () => false): AsyncGenerator<{ item: T; key: boolean }> {
  let held: { item: T; index: number } | undefined;
  let index = 0;
  for await (const item of items) {
    if (held) yield { item: held.item, key: held.index % stride === 0 || isRequired(held.index) };
    held = { item, index: index++ };
  }
  if (held) yield { item: held.item, key: true };
}

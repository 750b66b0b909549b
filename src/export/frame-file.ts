/**
 * The frame file name every format refers to: `00000.jpg`, what `frames` writes, so
 * coco.json, ytvis.json and cvat.xml point at the extracted frames.
 */
export function getFrameFileName(index: number): string {
  return `${String(index).padStart(5, '0')}.jpg`;
}

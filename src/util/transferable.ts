/** A typed array whose buffer can be handed to a worker (postMessage's transfer list). */
export type Transferable<T extends Uint8Array | Float32Array> = T & { buffer: ArrayBuffer };

/**
 * The array itself when it owns its whole buffer, else a copy that does: a view into a larger
 * buffer must leave the rest intact, so only a whole buffer is handed over (detached here).
 * onnxruntime-node's float32 outputs own theirs, so handing them over costs no copy.
 */
export function getTransferable<T extends Uint8Array | Float32Array>(array: T): Transferable<T> {
  const whole = array.buffer instanceof ArrayBuffer && array.byteOffset === 0 && array.byteLength === array.buffer.byteLength;
  return (whole ? array : array.slice()) as Transferable<T>;
}

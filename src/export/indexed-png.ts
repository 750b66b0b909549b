/**
 * 8-bit palette PNGs, compressed by Node's native zlib. fast-png's encoder (pure-JavaScript
 * deflate) took 8–17 ms per 848x480 mask on the main thread — CPU the model's threads lose on
 * a small machine; native deflate at level 6 takes ~2.5 ms and writes smaller files.
 * Rows use filter 0 (none): label maps are long runs, which deflate handles directly.
 * The caller writes the scanlines (a filter byte, 0, then the row's indices), so a label map
 * becomes PNG rows in one pass.
 */
import { promisify } from 'node:util';
import { deflate, deflateSync } from 'node:zlib';

const deflateAsync = promisify(deflate);
/** zlib's default: level 9 was not measured to pay for its time on label maps. */
const deflateLevel = 6;

/** A zeroed buffer for `height` scanlines of `width` indices (each row's filter byte 0 stays). */
export function allocateScanlines(width: number, height: number): Buffer {
  return Buffer.alloc((width + 1) * height);
}

/** The PNG of scanlines from allocateScanlines, compressed on this thread. */
export function encodeIndexedPng(scanlines: Uint8Array, width: number, height: number, palette: [number, number, number][]): Uint8Array {
  return assemblePng(deflateSync(scanlines, { level: deflateLevel }), width, height, palette);
}

/**
 * The same PNG, compressed in libuv's thread pool: the deflate (~2 ms of an 848x480 mask)
 * leaves the main thread, which tracks the next frame meanwhile where cores are free.
 */
export async function encodeIndexedPngAsync(scanlines: Uint8Array, width: number, height: number, palette: [number, number, number][]): Promise<Uint8Array> {
  return assemblePng(await deflateAsync(scanlines, { level: deflateLevel }), width, height, palette);
}

function assemblePng(compressed: Uint8Array, width: number, height: number, palette: [number, number, number][]): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 3, 0, 0, 0], 8); // depth 8, colour type 3 (palette), deflate, adaptive filtering, no interlace
  const colours = Buffer.from(palette.flat());
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('PLTE', colours), pngChunk('IDAT', compressed), pngChunk('IEND', Buffer.alloc(0))]);
}

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** PNG's CRC-32 table (zlib's crc32 needs Node 20.15; chunks here are a few KB, so a table is quick enough). */
const crcTable = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

import { deflateSync } from 'node:zlib';

/**
 * An 8-bit palette PNG, compressed by Node's native zlib. fast-png's encoder (pure-JavaScript
 * deflate) took 8–17 ms per 848x480 mask on the main thread — CPU the model's threads lose on
 * a small machine; native deflate at level 6 takes ~2.5 ms and writes smaller files.
 * Rows use filter 0 (none): label maps are long runs, which deflate handles directly.
 */
export function encodeIndexedPng(indices: Uint8Array, width: number, height: number, palette: [number, number, number][]): Uint8Array {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(indices.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 3, 0, 0, 0], 8); // depth 8, colour type 3 (palette), deflate, adaptive filtering, no interlace
  const colours = Buffer.from(palette.flat());
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('PLTE', colours), pngChunk('IDAT', deflateSync(raw, { level: 6 })), pngChunk('IEND', Buffer.alloc(0))]);
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

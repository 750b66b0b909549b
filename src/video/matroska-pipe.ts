/**
 * A minimal Matroska stream of raw RGB24 frames, each with its own timestamp, for the
 * overlay encoder's stdin. A raw pipe (`-f rawvideo`) has no timestamps: ffmpeg would
 * give every frame 1/fps, and a variable-frame-rate input would come out shorter than
 * its audio. Matroska carries a time per frame and ffmpeg reads it from a pipe.
 *
 * Layout: EBML header, a Segment of unknown size (streamed), Info, one video Track
 * (`V_UNCOMPRESSED`, ColourSpace FourCC `RGB\x18` = packed RGB24), then one Cluster per
 * frame holding one SimpleBlock.
 */

/** Ticks of 1 µs: Matroska block times are integers in these units. */
const timestampScaleNs = 1000;
const ticksPerSecond = 1e9 / timestampScaleNs;

/** Element IDs from the Matroska specification. */
const ids = {
  ebml: 0x1a45dfa3, ebmlVersion: 0x4286, ebmlReadVersion: 0x42f7, ebmlMaxIdLength: 0x42f2, ebmlMaxSizeLength: 0x42f3,
  docType: 0x4282, docTypeVersion: 0x4287, docTypeReadVersion: 0x4285,
  segment: 0x18538067, info: 0x1549a966, timestampScale: 0x2ad7b1, muxingApp: 0x4d80, writingApp: 0x5741,
  tracks: 0x1654ae6b, trackEntry: 0xae, trackNumber: 0xd7, trackUid: 0x73c5, trackType: 0x83, defaultDuration: 0x23e383, codecId: 0x86, flagLacing: 0x9c,
  video: 0xe0, pixelWidth: 0xb0, pixelHeight: 0xba, colourSpace: 0x2eb524,
  cluster: 0x1f43b675, clusterTimestamp: 0xe7, simpleBlock: 0xa3,
};

/** An element ID is written with its own length marker bits, as the spec lists it. */
function encodeId(id: number): Buffer {
  const bytes: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from(bytes);
}

/** Element sizes always take 8 bytes: simple, and allowed by EBMLMaxSizeLength 8. */
function encodeSize(size: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(size));
  out[0] |= 0x01;
  return out;
}

/** A size of all ones: "unknown", so the segment can be streamed without knowing its length. */
const unknownSize = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

function element(id: number, ...children: Buffer[]): Buffer {
  const body = Buffer.concat(children);
  return Buffer.concat([encodeId(id), encodeSize(body.length), body]);
}

function uint(id: number, value: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeBigUInt64BE(BigInt(Math.max(0, Math.round(value))));
  return element(id, body);
}

function text(id: number, value: string): Buffer {
  return element(id, Buffer.from(value, 'ascii'));
}

/**
 * Everything before the first frame: EBML header, segment start, info and the track.
 * `fps` (the input's nominal rate) becomes the track's default frame duration, from
 * which ffmpeg takes its time base and the last frame's length.
 */
export function getMatroskaHeader(width: number, height: number, fps: number): Buffer {
  const header = element(ids.ebml,
    uint(ids.ebmlVersion, 1), uint(ids.ebmlReadVersion, 1), uint(ids.ebmlMaxIdLength, 4), uint(ids.ebmlMaxSizeLength, 8),
    text(ids.docType, 'matroska'), uint(ids.docTypeVersion, 4), uint(ids.docTypeReadVersion, 2));
  const info = element(ids.info, uint(ids.timestampScale, timestampScaleNs), text(ids.muxingApp, 'dino-track'), text(ids.writingApp, 'dino-track'));
  const track = element(ids.trackEntry,
    uint(ids.trackNumber, 1), uint(ids.trackUid, 1), uint(ids.trackType, 1), text(ids.codecId, 'V_UNCOMPRESSED'), uint(ids.flagLacing, 0), uint(ids.defaultDuration, 1e9 / fps),
    element(ids.video, uint(ids.pixelWidth, width), uint(ids.pixelHeight, height), element(ids.colourSpace, Buffer.from([0x52, 0x47, 0x42, 0x18]))));
  return Buffer.concat([header, encodeId(ids.segment), unknownSize, info, element(ids.tracks, track)]);
}

/**
 * The bytes that carry one frame at `seconds`: a cluster header and block header, to be
 * followed by the frame itself (`frameBytes` long), so the frame is never copied.
 */
export function getMatroskaFramePrefix(seconds: number, frameBytes: number): Buffer {
  // SimpleBlock: track 1 (as a 1-byte vint), time relative to the cluster (0), flags: keyframe.
  const blockHeader = Buffer.from([0x81, 0x00, 0x00, 0x80]);
  const block = Buffer.concat([encodeId(ids.simpleBlock), encodeSize(blockHeader.length + frameBytes), blockHeader]);
  const time = uint(ids.clusterTimestamp, seconds * ticksPerSecond);
  return Buffer.concat([encodeId(ids.cluster), encodeSize(time.length + block.length + frameBytes), time, block]);
}

// Reads cvat.xml the way CVAT's task importer does (cvat/apps/dataset_manager/formats/cvat.py,
// load_anno), written from a reading of that function, so tests see what an import keeps:
// - <image id name>: the frame is the task frame whose file name matches `name`, else `id`;
//   each shape in it keeps label, group_id, occluded and its <attribute> children.
// - <track>: only shapes with keyframe="1" are kept; at </track>, a track whose first kept
//   shape is a <mask> becomes ONE shape (that first keyframe, group 0); other tracks stay tracks.
// - <mask>: points = rle runs, then left, top, left + width - 1, top + height - 1.
// - attributes are kept only when the task's label declares them (checked by the caller).

const shapeTags = new Set(['box', 'ellipse', 'polygon', 'polyline', 'points', 'cuboid', 'skeleton', 'mask']);

function unescape(text) {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, e) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]);
}

/** start/end events with attributes and text, like ElementTree.iterparse (enough for cvat.xml). */
function* iterparse(xml) {
  const body = xml.replace(/<\?[\s\S]*?\?>/g, '');
  const stack = [];
  let text = '';
  for (const token of body.matchAll(/<(\/?)([\w-]+)((?:\s+[\w-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g)) {
    const [, closing, tag, rawAttributes, selfClosing, chars] = token;
    if (chars !== undefined) {
      text += chars;
      continue;
    }
    if (closing) {
      const element = stack.pop();
      if (element.tag !== tag) throw new Error(`</${tag}> closes <${element.tag}>`);
      element.text = unescape(text);
      text = '';
      yield ['end', element];
      continue;
    }
    const attrib = Object.fromEntries([...rawAttributes.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], unescape(m[2])]));
    const element = { tag, attrib, text: '' };
    text = '';
    yield ['start', element];
    if (selfClosing) yield ['end', element];
    else stack.push(element);
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].tag}> is never closed`);
}

/**
 * @param xml cvat.xml's text
 * @param frameNames the task's frame file names, index = frame (an image task made from frames/)
 * @returns { shapes, tracks } as the importer would add them
 */
export function loadCvatAnnotations(xml, frameNames = []) {
  const shapes = [];
  const tracks = [];
  let track = null;
  let shape = null;
  let attributes = null;
  let frame = null;
  const events = iterparse(xml);
  events.next(); // the root, as load_anno's next(context)
  for (const [event, el] of events) {
    if (event === 'start') {
      if (el.tag === 'track') track = { label: el.attrib.label, group: Number(el.attrib.group_id ?? 0), shapes: [] };
      else if (el.tag === 'image') {
        const byName = frameNames.indexOf(el.attrib.name);
        frame = byName >= 0 ? byName : Number(el.attrib.id);
      } else if (shapeTags.has(el.tag) && (track || frame !== null)) {
        attributes = [];
        shape = { type: el.tag, attributes, points: [] };
      }
      continue;
    }
    if (el.tag === 'attribute' && attributes) attributes.push({ name: el.attrib.name, value: el.text });
    else if (shapeTags.has(el.tag)) {
      if (track) Object.assign(shape, { frame: Number(el.attrib.frame), outside: el.attrib.outside === '1', keyframe: el.attrib.keyframe === '1', group: 0 });
      else Object.assign(shape, { frame, label: el.attrib.label, group: Number(el.attrib.group_id ?? 0) });
      shape.occluded = (el.attrib.occluded ?? '0') === '1';
      if (el.tag === 'mask') {
        const [left, top, width, height] = ['left', 'top', 'width', 'height'].map((k) => Number(el.attrib[k]));
        shape.points = [...el.attrib.rle.split(',').map(Number), left, top, left + width - 1, top + height - 1];
      }
      if (!track) shapes.push(shape);
      else if (shape.keyframe) track.shapes.push(shape);
      shape = null;
    } else if (el.tag === 'track') {
      const [first] = track.shapes;
      if (first.type === 'mask') shapes.push({ ...first, label: track.label });
      else tracks.push(track);
      track = null;
    } else if (el.tag === 'image') frame = null;
  }
  return { shapes, tracks };
}

/** A mask shape's pixels at frame size: row-major runs inside [left, right] x [top, bottom], background first. */
export function decodeCvatMask(points, frameWidth, frameHeight) {
  const [left, top, right, bottom] = points.slice(-4);
  const width = right - left + 1;
  const mask = new Uint8Array(frameWidth * frameHeight);
  let position = 0;
  points.slice(0, -4).forEach((run, k) => {
    for (let i = 0; i < run; i++, position++) {
      if (k % 2 === 1) mask[(top + Math.floor(position / width)) * frameWidth + left + (position % width)] = 1;
    }
  });
  if (position !== width * (bottom - top + 1)) throw new Error(`RLE covers ${position} pixels, its box ${width * (bottom - top + 1)}`);
  return mask;
}

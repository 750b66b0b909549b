/**
 * The little XML cvat.xml needs, written by hand so a frame's elements go to the file as
 * soon as they are known (a builder holds the whole tree until the end).
 */

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Escapes text for XML content or a double-quoted attribute value.
 * @throws Error for characters XML 1.0 cannot carry at all (controls other than tab, LF, CR)
 */
export function escapeXml(text: string): string {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(text)) throw new Error(`${JSON.stringify(text)} holds a character XML 1.0 cannot carry`);
  return text.replace(/[&<>"']/g, (c) => entities[c]);
}

/** `name="value"` pairs, escaped, each preceded by a space. */
function formatAttributes(attributes: Record<string, string | number>): string {
  return Object.entries(attributes).map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`).join('');
}

/** An opening tag: `<name a="1">`. */
export function formatOpenTag(name: string, attributes: Record<string, string | number> = {}): string {
  return `<${name}${formatAttributes(attributes)}>`;
}

/**
 * One element: self-closing without content; `text` is escaped, `children` is XML already.
 * Either way the result is a complete element.
 */
export function formatElement(name: string, attributes: Record<string, string | number>, content?: { text: string } | { children: string }): string {
  if (!content) return `<${name}${formatAttributes(attributes)}/>`;
  const inner = 'text' in content ? escapeXml(content.text) : content.children;
  return `${formatOpenTag(name, attributes)}${inner}</${name}>`;
}

/** One XML start (or empty-element) tag: its local name (prefix dropped) and attributes. */
export interface XmlTag {
  name: string;
  attributes: Record<string, string>;
  /** Offset of the tag in the text, for error messages. */
  offset: number;
  /** True for an end tag `</name>`. */
  closing: boolean;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e] ?? m;
  });
}

/**
 * Scans the start and end tags of an XML text, skipping comments, CDATA, processing instructions
 * and doctype. Enough for the flat, attribute-only formats read here (OME `Pixels`, the Particle
 * Tracking Challenge's `detection`); not a general XML parser.
 */
export function* xmlTags(text: string): Generator<XmlTag> {
  const re =
    /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<[?!][\s\S]*?>|<(\/?)\s*([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[2] === undefined) continue;
    const attributes: Record<string, string> = {};
    const attrRe = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
    for (let a = attrRe.exec(m[3] ?? ''); a !== null; a = attrRe.exec(m[3] ?? '')) {
      const key = (a[1] as string).replace(/^.*:/, '');
      attributes[key] = decodeEntities(a[2] ?? a[3] ?? '');
    }
    yield { name: m[2].replace(/^.*:/, ''), attributes, offset: m.index, closing: m[1] === '/' };
  }
}

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { malformedXml } from './errors.js';

export const MNS_NAMESPACE = 'http://mns.aliyuncs.com/doc/v1/';

/** A request document: its root element name and its child elements. */
export interface XmlRequest {
  root: string;
  fields: Record<string, unknown>;
}

const REPEATED_CHILDREN = new Set(['Messages.Message', 'ReceiptHandles.ReceiptHandle']);

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  // Bodies and numbers stay exactly as sent: no number coercion, no trimming of message text.
  parseTagValue: false,
  trimValues: false,
  isArray: (_name, jpath) => REPEATED_CHILDREN.has(String(jpath)),
});

export function parseXmlRequest(body: string): XmlRequest | undefined {
  if (body.trim() === '') return undefined;
  if (XMLValidator.validate(body) !== true) throw malformedXml();
  const document = parser.parse(body) as Record<string, unknown>;
  const [root, ...others] = Object.keys(document);
  if (root === undefined || others.length > 0) throw malformedXml();
  const content = document[root];
  const fields = typeof content === 'object' && content !== null ? (content as Record<string, unknown>) : {};
  return { root, fields };
}

/** The text of a leaf element, or undefined when absent or not a leaf. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && '#text' in value) {
    const text = (value as Record<string, unknown>)['#text'];
    return typeof text === 'string' ? text : undefined;
  }
  return undefined;
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export type XmlFields = Record<string, string | number | undefined>;

/** Leaf elements in insertion order; undefined values are left out. */
export function renderFields(fields: XmlFields): string {
  return Object.entries(fields)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`)
    .join('');
}

export function renderElement(name: string, inner: string): string {
  return `<${name}>${inner}</${name}>`;
}

export function renderDocument(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="${MNS_NAMESPACE}">${inner}</${root}>`;
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Inclusive version range; empty when min > max. `N+` ends at MAX_VERSION. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

const MAX_VERSION = 0x7fff;
export const EMPTY_RANGE: VersionRange = { min: 1, max: 0 };

export interface FieldSchema {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean | null;
  ignorable?: boolean;
  flexibleVersions?: string;
  mapKey?: boolean;
  fields?: FieldSchema[];
}

export interface StructSchema {
  name: string;
  versions: string;
  fields: FieldSchema[];
}

export interface MessageSchema {
  type: 'request' | 'response' | 'header' | 'metadata' | 'data';
  name: string;
  apiKey?: number;
  validVersions: string;
  flexibleVersions: string;
  fields: FieldSchema[];
  commonStructs?: StructSchema[];
  listeners?: string[];
  latestVersionUnstable?: boolean;
  deprecatedVersions?: string;
}

/** A schema file with its path relative to the schema folder (`messages/ProduceRequest.json`). */
export interface SchemaFile {
  path: string;
  schema: MessageSchema;
}

export function parseRange(text: string | undefined): VersionRange {
  if (text === undefined || text === 'none') return EMPTY_RANGE;
  const plus = /^(\d+)\+$/.exec(text);
  if (plus) return { min: Number(plus[1]), max: MAX_VERSION };
  const span = /^(\d+)-(\d+)$/.exec(text);
  if (span) return { min: Number(span[1]), max: Number(span[2]) };
  if (/^\d+$/.test(text)) return { min: Number(text), max: Number(text) };
  throw new Error(`bad version range ${JSON.stringify(text)}`);
}

export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  return { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
}

export function isEmpty(range: VersionRange): boolean {
  return range.min > range.max;
}

/** Removes `//` comments (outside string literals) so JSON.parse accepts the file. */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else {
      out += c;
    }
  }
  return out;
}

/** Reads `messages/`, `metadata/` and `internal/**` schema files, sorted by path. */
export function loadSchemas(dir: string): SchemaFile[] {
  const files: string[] = [];
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json')) files.push(path);
    }
  };
  for (const top of ['messages', 'metadata', 'internal']) walk(join(dir, top));
  return files
    .map((file) => ({
      path: relative(dir, file).split(sep).join('/'),
      schema: JSON.parse(stripComments(readFileSync(file, 'utf8'))) as MessageSchema,
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

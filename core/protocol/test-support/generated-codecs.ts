import { fileURLToPath } from 'node:url';
import { kebabCase } from '../generator/generate.js';
import type { SchemaFile } from '../generator/schema.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export interface SchemaCodec {
  read(r: Reader, version: number): unknown;
  write(w: Writer, version: number, value: unknown): void;
}

/** The generated read/write pair for one schema file, found by the generator's naming rules. */
export async function codecFor(file: SchemaFile): Promise<SchemaCodec> {
  const { schema } = file;
  const isApi = schema.type === 'request' || schema.type === 'response';
  const folder = file.path.split('/').slice(0, -1).join('/');
  const base = isApi ? schema.name.replace(/(Request|Response)$/, '') : schema.name;
  const url = new URL(`../generated/${folder}/${kebabCase(base)}.ts`, import.meta.url);
  const module = (await import(/* @vite-ignore */ fileURLToPath(url))) as Record<string, unknown>;
  const read = module[`read${schema.name}`];
  const write = module[`write${schema.name}`];
  if (typeof read !== 'function' || typeof write !== 'function') throw new Error(`no codec for ${file.path}`);
  return { read: read as SchemaCodec['read'], write: write as SchemaCodec['write'] };
}

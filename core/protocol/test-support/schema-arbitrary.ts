import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { it } from 'vitest';
import { type FieldSchema, type MessageSchema, type SchemaFile, type StructSchema, loadSchemas, parseRange } from '../generator/schema.js';

/** `$KAFKA_PROTOCOL_DIR`, else `<repo>/../shared/kafka-protocol` (where the schemas live on our machines); absent in a plain clone. */
export const SCHEMA_DIR = process.env['KAFKA_PROTOCOL_DIR'] ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'kafka-protocol');

/**
 * Whether Kafka's schemas are at SCHEMA_DIR for `what`. Missing, the caller skips with a
 * printed reason, except under CI=true, where a failing test says so instead.
 */
export function requireSchemas(what: string): boolean {
  if (existsSync(join(SCHEMA_DIR, 'messages'))) return true;
  const reason = `no Kafka schemas at ${SCHEMA_DIR} (set KAFKA_PROTOCOL_DIR)`;
  if (process.env['CI'] === 'true') {
    it(`${what}: has Kafka's schemas, which CI needs`, () => {
      throw new Error(reason);
    });
  } else {
    console.warn(`skipping ${what}: ${reason}`);
  }
  return false;
}

export function loadAllSchemas(): SchemaFile[] {
  return loadSchemas(SCHEMA_DIR);
}

export function versionsOf(schema: MessageSchema): number[] {
  const { min, max } = parseRange(schema.validVersions);
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

const inRange = (text: string | undefined, version: number): boolean => {
  const { min, max } = parseRange(text);
  return version >= min && version <= max;
};

/**
 * Written independently of the generator from the schema rules (README
 * "Field keys"), so that a round trip checks the generated code against the
 * rules rather than against itself.
 */
export class SchemaArbitraries {
  private readonly common: Map<string, StructSchema>;

  constructor(private readonly schema: MessageSchema) {
    this.common = new Map((schema.commonStructs ?? []).map((s) => [s.name, s]));
  }

  /** Arbitrary values of the whole message at `version`. */
  message(version: number): fc.Arbitrary<Record<string, unknown>> {
    return this.struct(this.schema.fields, version, 0);
  }

  private structFields(field: FieldSchema): FieldSchema[] {
    const elem = field.type.replace(/^\[\]/, '');
    const fields = field.fields ?? this.common.get(elem)?.fields;
    if (!fields) throw new Error(`unknown struct ${elem}`);
    return fields;
  }

  private struct(fields: FieldSchema[], version: number, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const field of fields) {
      const name = field.name.charAt(0).toLowerCase() + field.name.slice(1);
      const present = inRange(field.versions ?? field.taggedVersions, version);
      record[name] = present ? this.field(field, version, depth) : fc.constant(null).map(() => this.defaultOf(field, version));
    }
    return fc.record(record) as fc.Arbitrary<Record<string, unknown>>;
  }

  private field(field: FieldSchema, version: number, depth: number): fc.Arbitrary<unknown> {
    const nullable = inRange(field.nullableVersions, version);
    const isArray = field.type.startsWith('[]');
    const elem = isArray ? field.type.slice(2) : field.type;
    let value: fc.Arbitrary<unknown>;
    if (isArray) {
      const item = this.single(elem, field, version, depth + 1);
      value = fc.array(item, { maxLength: depth > 2 ? 1 : 3 });
    } else {
      value = this.single(elem, field, version, depth + 1);
    }
    return nullable ? fc.option(value, { nil: null, freq: 4 }) : value;
  }

  private single(elem: string, field: FieldSchema, version: number, depth: number): fc.Arbitrary<unknown> {
    switch (elem) {
      case 'bool':
        return fc.boolean();
      case 'int8':
        return fc.integer({ min: -128, max: 127 });
      case 'int16':
        return fc.integer({ min: -32768, max: 32767 });
      case 'uint16':
        return fc.integer({ min: 0, max: 65535 });
      case 'int32':
        return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
      case 'uint32':
        return fc.integer({ min: 0, max: 2 ** 32 - 1 });
      case 'int64':
        return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
      case 'float64':
        return fc.double();
      case 'uuid':
        return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url'));
      case 'string':
        return fc.string({ maxLength: 8, unit: 'grapheme' });
      case 'bytes':
      case 'records':
        return fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b));
      default:
        return this.struct(this.structFields(field), version, depth);
    }
  }

  /** The value a reader produces for a field absent from `version`. */
  defaultOf(field: FieldSchema, version: number): unknown {
    const raw = field.default === undefined || field.default === null ? undefined : String(field.default);
    if (raw === 'null') return null;
    if (field.type.startsWith('[]')) return [];
    switch (field.type) {
      case 'bool':
        return raw === 'true';
      case 'int64':
        return raw === undefined ? 0n : raw.startsWith('-0x') ? -BigInt(raw.slice(1)) : BigInt(raw);
      case 'float64':
        return raw === undefined ? 0 : Number(raw);
      case 'string':
        return raw ?? '';
      case 'uuid':
        return raw ?? Buffer.alloc(16).toString('base64url');
      case 'bytes':
        return Buffer.alloc(0);
      case 'records':
        return field.nullableVersions === undefined ? Buffer.alloc(0) : null;
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'uint32':
        return raw === undefined ? 0 : Number(raw);
      default: {
        const out: Record<string, unknown> = {};
        for (const inner of this.structFields(field)) {
          out[inner.name.charAt(0).toLowerCase() + inner.name.slice(1)] = this.defaultOf(inner, version);
        }
        return out;
      }
    }
  }
}

import {
  type FieldSchema,
  type MessageSchema,
  type VersionRange,
  EMPTY_RANGE,
  intersect,
  isEmpty,
  parseRange,
} from './schema.js';

const PRIMITIVES = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'uuid', 'string', 'bytes', 'records']);
const FIXED_SIZE: Record<string, number> = { bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, float64: 8, uuid: 16 };
const READ_METHOD: Record<string, string> = {
  bool: 'bool', int8: 'int8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32', int64: 'int64', float64: 'float64', uuid: 'uuid',
};

interface FieldModel {
  /** lowerCamel name used in the TypeScript value. */
  name: string;
  schemaName: string;
  isArray: boolean;
  /** Primitive type name, or undefined when the element is a struct. */
  primitive: string | undefined;
  struct: StructModel | undefined;
  versions: VersionRange;
  nullable: VersionRange;
  tagged: VersionRange;
  tag: number | undefined;
  flexible: VersionRange;
  ignorable: boolean;
  rawDefault: string | undefined;
}

interface StructModel {
  typeName: string;
  fields: FieldModel[];
  /** Versions in which this struct can be read or written (bounds the version checks). */
  context: VersionRange;
}

/** Kafka's camelCaseName: the schema name with its first letter lower-cased. */
export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Builds the struct models of one schema: the root first, nested structs after their parents. */
function buildStructs(schema: MessageSchema): StructModel[] {
  const valid = parseRange(schema.validVersions);
  const flexible = parseRange(schema.flexibleVersions);
  const common = new Map((schema.commonStructs ?? []).map((s) => [s.name, s]));
  const built = new Map<string, StructModel>();
  const order: StructModel[] = [];

  const structModel = (typeName: string, fields: FieldSchema[], context: VersionRange): StructModel => {
    const model: StructModel = { typeName, fields: [], context };
    built.set(typeName, model);
    order.push(model);
    model.fields = fields.map((field) => fieldModel(field, context));
    return model;
  };

  const fieldModel = (field: FieldSchema, parent: VersionRange): FieldModel => {
    const isArray = field.type.startsWith('[]');
    const elem = isArray ? field.type.slice(2) : field.type;
    const versions = parseRange(field.versions ?? field.taggedVersions);
    let struct: StructModel | undefined;
    if (!PRIMITIVES.has(elem)) {
      // Kafka often names structs after their message already (MetadataRequestTopic): don't prefix twice.
      const typeName = elem.startsWith(schema.name) ? elem : schema.name + elem;
      const existing = built.get(typeName);
      if (field.fields) {
        if (existing) throw new Error(`${schema.name}: struct ${elem} defined twice`);
        struct = structModel(typeName, field.fields, intersect(versions, parent));
      } else if (existing) {
        struct = existing;
      } else {
        const shared = common.get(elem);
        if (!shared) throw new Error(`${schema.name}: unknown struct ${elem}`);
        struct = structModel(typeName, shared.fields, valid);
      }
    }
    const rawDefault = field.default === undefined || field.default === null ? undefined : String(field.default);
    return {
      name: camelCase(field.name),
      schemaName: field.name,
      isArray,
      primitive: PRIMITIVES.has(elem) ? elem : undefined,
      struct,
      versions,
      nullable: parseRange(field.nullableVersions),
      tagged: field.tag === undefined ? EMPTY_RANGE : parseRange(field.taggedVersions),
      tag: field.tag,
      flexible: field.flexibleVersions === undefined ? flexible : parseRange(field.flexibleVersions),
      ignorable: field.ignorable === true,
      rawDefault,
    };
  };

  structModel(schema.name, schema.fields, valid);
  return order;
}

/** A boolean expression over `version` for `range`, simplified using what `context` already guarantees. */
function cond(range: VersionRange, context: VersionRange): string {
  const r = intersect(range, context);
  if (isEmpty(r)) return 'false';
  const low = r.min > context.min;
  const high = r.max < context.max;
  if (!low && !high) return 'true';
  if (r.min === r.max) return `version === ${r.min}`;
  if (low && high) return `version >= ${r.min} && version <= ${r.max}`;
  return low ? `version >= ${r.min}` : `version <= ${r.max}`;
}

function pick(condition: string, yes: string, no: string): string {
  if (condition === 'true') return yes;
  if (condition === 'false') return no;
  return `(${condition} ? ${yes} : ${no})`;
}

function not(condition: string): string {
  if (condition === 'true') return 'false';
  if (condition === 'false') return 'true';
  return `!(${condition})`;
}

function and(a: string, b: string): string {
  if (a === 'false' || b === 'false') return 'false';
  if (a === 'true') return b;
  if (b === 'true') return a;
  return `${a} && ${b}`;
}

/** The regular (untagged) versions of a field: its versions below the first tagged one. */
function regularRange(field: FieldModel): VersionRange {
  if (isEmpty(field.tagged)) return field.versions;
  return { min: field.versions.min, max: Math.min(field.versions.max, field.tagged.min - 1) };
}

function elementType(field: FieldModel): string {
  if (field.struct) return field.struct.typeName;
  switch (field.primitive) {
    case 'int64':
      return 'bigint';
    case 'bool':
      return 'boolean';
    case 'string':
    case 'uuid':
      return 'string';
    case 'bytes':
    case 'records':
      return 'Buffer';
    default:
      return 'number';
  }
}

function fieldType(field: FieldModel): string {
  const base = field.isArray ? `${elementType(field)}[]` : elementType(field);
  return isEmpty(field.nullable) ? base : `${base} | null`;
}

function intLiteral(text: string, bigint: boolean): string {
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  const value = digits.toLowerCase().startsWith('0x') ? BigInt(digits) : BigInt(digits);
  const signed = negative ? -value : value;
  return bigint ? `${signed}n` : `${signed}`;
}

/** The TypeScript expression for a field's default value. */
function defaultValue(field: FieldModel): string {
  const raw = field.rawDefault;
  if (raw === 'null') return 'null';
  if (field.isArray) return '[]';
  if (field.struct) return `default${field.struct.typeName}()`;
  switch (field.primitive) {
    case 'bool':
      return raw === 'true' ? 'true' : 'false';
    case 'int64':
      return intLiteral(raw ?? '0', true);
    case 'float64':
      return raw === undefined ? '0' : String(Number(raw));
    case 'string':
      return JSON.stringify(raw ?? '');
    case 'uuid':
      return raw === undefined ? 'ZERO_UUID' : JSON.stringify(raw);
    case 'bytes':
      return 'Buffer.alloc(0)';
    case 'records':
      return isEmpty(field.nullable) ? 'Buffer.alloc(0)' : 'null';
    default:
      return intLiteral(raw ?? '0', false);
  }
}

/** An expression that is true when `expr` holds the field's default. */
function isDefault(field: FieldModel, expr: string): string {
  const literal = defaultValue(field);
  if (literal === 'null') return `${expr} === null`;
  const nullable = !isEmpty(field.nullable);
  const guard = nullable ? `${expr} !== null && ` : '';
  if (field.isArray || field.primitive === 'bytes' || field.primitive === 'records') return `${guard}${expr}.length === 0`;
  if (field.struct) return `${guard}isDefault${field.struct.typeName}(${expr})`;
  return `${expr} === ${literal}`;
}

class Emitter {
  readonly lines: string[] = [];
  uses = { nonNull: false, zeroUuid: false, writer: false };

  constructor(private readonly messageName: string) {}

  line(indent: number, text: string): void {
    this.lines.push(`${'  '.repeat(indent)}${text}`);
  }

  path(struct: StructModel, field: FieldModel): string {
    return `'${struct.typeName}.${field.name}'`;
  }

  /** Read one non-array value; `flex` and `nullable` are version conditions. */
  readValue(field: FieldModel, flex: string, nullable: string, path: string): string {
    if (field.struct) {
      const call = `read${field.struct.typeName}(r, version)`;
      return pick(nullable, `(r.structPresent(${path}) ? ${call} : null)`, call);
    }
    const p = field.primitive!;
    if (p === 'string' || p === 'bytes' || p === 'records') {
      const kind = p === 'string' ? 'String' : 'Bytes';
      return pick(
        flex,
        pick(nullable, `r.compactNullable${kind}(${path})`, `r.compact${kind}(${path})`),
        pick(nullable, `r.nullable${kind}(${path})`, `r.${kind.toLowerCase()}(${path})`),
      );
    }
    return `r.${READ_METHOD[p]!}(${path})`;
  }

  /** Statements assigning the decoded field to `target`. */
  emitRead(struct: StructModel, field: FieldModel, target: string, flex: string, nullable: string, indent: number): void {
    const path = this.path(struct, field);
    if (!field.isArray) {
      this.line(indent, `${target} = ${this.readValue(field, flex, nullable, path)};`);
      return;
    }
    const count = pick(flex, `r.compactArrayLength(${path})`, `r.arrayLength(${path})`);
    this.line(indent, `const count = ${count};`);
    this.line(indent, `if (count < 0) {`);
    if (nullable === 'true') this.line(indent + 1, `${target} = null;`);
    else {
      this.line(indent + 1, `${nullable === 'false' ? '' : `if (${not(nullable)}) `}throw new ProtocolError('null for a non-nullable array', ${path});`);
      if (nullable !== 'false') this.line(indent + 1, `${target} = null;`);
    }
    this.line(indent, `} else {`);
    this.line(indent + 1, `const items: ${elementType(field)}[] = [];`);
    this.line(indent + 1, `for (let i = 0; i < count; i++) items.push(${this.readValue(field, flex, 'false', path)});`);
    this.line(indent + 1, `${target} = items;`);
    this.line(indent, `}`);
  }

  /** Statements writing a non-array value `expr` with writer `w`. */
  writeValue(field: FieldModel, expr: string, writer: string, flex: string, nullable: string, path: string, typeNullable: boolean, indent: number): void {
    const needNonNull = typeNullable && nullable !== 'true';
    const checked = needNonNull ? `nonNull(${expr}, ${path})` : expr;
    if (needNonNull) this.uses.nonNull = true;
    if (field.struct) {
      const call = (value: string): string => `write${field.struct!.typeName}(${writer}, version, ${value});`;
      if (nullable === 'false') return this.line(indent, call(checked));
      if (nullable === 'true') {
        this.line(indent, `if (${expr} === null) ${writer}.int8(-1);`);
        this.line(indent, `else {`);
        this.line(indent + 1, `${writer}.int8(1);`);
        this.line(indent + 1, call(expr));
        return this.line(indent, `}`);
      }
      this.uses.nonNull = true;
      this.line(indent, `if (${expr} === null) {`);
      this.line(indent + 1, `if (${not(nullable)}) nonNull(${expr}, ${path});`);
      this.line(indent + 1, `${writer}.int8(-1);`);
      this.line(indent, `} else {`);
      this.line(indent + 1, `${writer}.int8(1);`);
      this.line(indent + 1, call(expr));
      return this.line(indent, `}`);
    }
    const p = field.primitive!;
    if (p === 'string' || p === 'bytes' || p === 'records') {
      const kind = p === 'string' ? 'String' : 'Bytes';
      const compact = pick(nullable, `${writer}.compactNullable${kind}(${expr})`, `${writer}.compact${kind}(${checked})`);
      const classic = pick(nullable, `${writer}.nullable${kind}(${expr})`, `${writer}.${kind.toLowerCase()}(${checked})`);
      if (flex === 'true') return this.line(indent, `${compact};`);
      if (flex === 'false') return this.line(indent, `${classic};`);
      this.line(indent, `if (${flex}) ${compact};`);
      return this.line(indent, `else ${classic};`);
    }
    this.line(indent, `${writer}.${READ_METHOD[p]!}(${expr});`);
  }

  emitWrite(struct: StructModel, field: FieldModel, expr: string, writer: string, flex: string, nullable: string, indent: number): void {
    const path = this.path(struct, field);
    const typeNullable = !isEmpty(field.nullable);
    if (!field.isArray) return this.writeValue(field, expr, writer, flex, nullable, path, typeNullable, indent);
    const length = (n: string): string => (flex === 'true' ? `${writer}.compactArrayLength(${n});` : flex === 'false' ? `${writer}.arrayLength(${n});` : `if (${flex}) ${writer}.compactArrayLength(${n}); else ${writer}.arrayLength(${n});`);
    let items = expr;
    if (typeNullable) {
      this.line(indent, `if (${expr} === null) {`);
      if (nullable !== 'true') {
        this.uses.nonNull = true;
        this.line(indent + 1, `${nullable === 'false' ? '' : `if (${not(nullable)}) `}nonNull(${expr}, ${path});`);
      }
      this.line(indent + 1, length('-1'));
      this.line(indent, `} else {`);
      indent++;
    }
    this.line(indent, length(`${items}.length`));
    items = `${items}`;
    this.line(indent, `for (const item of ${items}) {`);
    this.writeValue(field, 'item', writer, flex, 'false', path, false, indent + 1);
    this.line(indent, `}`);
    if (typeNullable) this.line(indent - 1, `}`);
  }

  emitStruct(struct: StructModel, root: boolean, valid: VersionRange): void {
    const ctx = struct.context;
    const name = struct.typeName;
    const messageFlex = cond(this.flexibleRange, ctx);
    const tagged = struct.fields
      .filter((f) => f.tag !== undefined && !isEmpty(intersect(f.tagged, ctx)))
      .sort((a, b) => a.tag! - b.tag!);

    this.line(0, `export interface ${name} {`);
    for (const field of struct.fields) this.line(1, `${field.name}: ${fieldType(field)};`);
    this.line(0, `}`);
    this.line(0, '');

    this.line(0, `export function default${name}(): ${name} {`);
    this.line(1, `return {`);
    for (const field of struct.fields) {
      if (field.primitive === 'uuid' && field.rawDefault === undefined) this.uses.zeroUuid = true;
      this.line(2, `${field.name}: ${defaultValue(field)},`);
    }
    this.line(1, `};`);
    this.line(0, `}`);
    this.line(0, '');

    // Reader.
    this.line(0, `export function read${name}(r: Reader, version: number): ${name} {`);
    if (root) this.versionCheck(valid, name);
    const flexVar = messageFlex === 'true' || messageFlex === 'false' ? messageFlex : 'flexible';
    const usesFlexVar = flexVar === 'flexible';
    let flexDecl = this.lines.length;
    if (usesFlexVar) this.line(1, `const flexible = ${messageFlex};`);
    const flexOf = (field: FieldModel, inner: VersionRange): string => {
      const flex = cond(field.flexible, inner);
      return field.flexible === this.flexibleRange && flex !== 'true' && flex !== 'false' ? flexVar : flex;
    };
    for (const field of struct.fields) {
      const local = `_${field.name}`;
      const regular = cond(regularRange(field), ctx);
      const isTagged = field.tag !== undefined && !isEmpty(intersect(field.tagged, ctx));
      if (regular === 'true' && !isTagged && !field.isArray) {
        const flex = flexOf(field, ctx);
        this.line(1, `const ${local} = ${this.readValue(field, flex, cond(field.nullable, ctx), this.path(struct, field))};`);
        continue;
      }
      this.line(1, `let ${local}: ${fieldType(field)}${isTagged || regular === 'false' ? ` = ${defaultValue(field)}` : ''};`);
      if (regular === 'false') continue;
      const inner = intersect(regularRange(field), ctx);
      const nullable = cond(field.nullable, inner);
      const flex = flexOf(field, inner);
      if (regular === 'true') {
        this.emitReadBlock(struct, field, local, flex, nullable, 1);
      } else {
        this.line(1, `if (${regular}) {`);
        this.emitReadBlock(struct, field, local, flex, nullable, 2);
        if (!isTagged) {
          this.line(1, `} else {`);
          this.line(2, `${local} = ${defaultValue(field)};`);
        }
        this.line(1, `}`);
      }
    }
    if (messageFlex !== 'false') {
      const path = `'${name}'`;
      const indent = messageFlex === 'true' ? 1 : 2;
      if (messageFlex !== 'true') this.line(1, `if (flexible) {`);
      this.line(indent, `for (let fields = r.unsignedVarint(${path}); fields > 0; fields--) {`);
      this.line(indent + 1, `${tagged.length > 0 ? 'const tag = ' : ''}r.unsignedVarint(${path});`);
      this.line(indent + 1, `const outer = r.enter(r.unsignedVarint(${path}), ${path});`);
      if (tagged.length > 0) {
        this.line(indent + 1, `switch (tag) {`);
        for (const field of tagged) {
          const inVersion = cond(field.tagged, ctx);
          this.line(indent + 2, `case ${field.tag}:`);
          const body = indent + (inVersion === 'true' ? 3 : 4);
          if (inVersion !== 'true') this.line(indent + 3, `if (${inVersion}) {`);
          if (field.isArray) this.line(body, `{`);
          this.emitRead(struct, field, `_${field.name}`, 'true', cond(field.nullable, intersect(field.tagged, ctx)), field.isArray ? body + 1 : body);
          if (field.isArray) this.line(body, `}`);
          if (inVersion !== 'true') this.line(indent + 3, `}`);
          this.line(indent + 3, `break;`);
        }
        this.line(indent + 1, `}`);
      }
      this.line(indent + 1, `r.leave(outer);`);
      this.line(indent, `}`);
      if (messageFlex !== 'true') this.line(1, `}`);
    }
    this.line(1, `return {`);
    for (const field of struct.fields) this.line(2, `${field.name}: _${field.name},`);
    this.line(1, `};`);
    this.line(0, `}`);
    this.line(0, '');
    if (usesFlexVar) this.dropUnusedFlexible(flexDecl);

    // Writer.
    this.line(0, `export function write${name}(w: Writer, version: number, value: ${name}): void {`);
    if (root) this.versionCheck(valid, name);
    flexDecl = this.lines.length;
    if (usesFlexVar) this.line(1, `const flexible = ${messageFlex};`);
    for (const field of struct.fields) {
      const expr = `value.${field.name}`;
      const regular = cond(regularRange(field), ctx);
      const present = cond(field.versions, ctx);
      const inner = intersect(regularRange(field), ctx);
      const nullable = cond(field.nullable, inner);
      if (regular === 'true') {
        this.emitWrite(struct, field, expr, 'w', flexOf(field, inner), nullable, 1);
      } else if (regular !== 'false') {
        this.line(1, `if (${regular}) {`);
        this.emitWrite(struct, field, expr, 'w', flexOf(field, inner), nullable, 2);
        this.line(1, `}`);
      }
      if (present !== 'true' && !field.ignorable) {
        this.markEquals(field);
        this.line(1, `if (${and(not(present), not(isDefault(field, expr)))}) {`);
        this.line(2, `throw new ProtocolError(\`a non-default value is not supported in version \${version}\`, ${this.path(struct, field)});`);
        this.line(1, `}`);
      }
    }
    if (messageFlex !== 'false') {
      const indent = messageFlex === 'true' ? 1 : 2;
      if (messageFlex !== 'true') this.line(1, `if (flexible) {`);
      if (tagged.length === 0) {
        this.line(indent, `w.unsignedVarint(0);`);
      } else {
        const writes = tagged.map((field) => {
          this.markEquals(field);
          return and(cond(field.tagged, ctx), not(isDefault(field, `value.${field.name}`)));
        });
        tagged.forEach((field, i) => this.line(indent, `const writeTag${field.tag} = ${writes[i]!};`));
        this.line(indent, `w.unsignedVarint(${tagged.map((field) => `(writeTag${field.tag} ? 1 : 0)`).join(' + ')});`);
        tagged.forEach((field) => {
          this.line(indent, `if (writeTag${field.tag}) {`);
          this.line(indent + 1, `w.unsignedVarint(${field.tag});`);
          const fixed = !field.isArray && field.primitive !== undefined ? FIXED_SIZE[field.primitive] : undefined;
          if (fixed !== undefined) {
            this.line(indent + 1, `w.unsignedVarint(${fixed});`);
            this.emitWrite(struct, field, `value.${field.name}`, 'w', 'true', cond(field.nullable, intersect(field.tagged, ctx)), indent + 1);
          } else {
            this.line(indent + 1, `const payload = new Writer(64);`);
            this.uses.writer = true;
            this.emitWrite(struct, field, `value.${field.name}`, 'payload', 'true', cond(field.nullable, intersect(field.tagged, ctx)), indent + 1);
            this.line(indent + 1, `w.unsignedVarint(payload.length);`);
            this.line(indent + 1, `w.append(payload);`);
          }
          this.line(indent, `}`);
        });
      }
      if (messageFlex !== 'true') this.line(1, `}`);
    }
    this.line(0, `}`);
    this.line(0, '');
    if (usesFlexVar) this.dropUnusedFlexible(flexDecl);
  }

  /** Removes the `const flexible` declared at `index` when the function body never reads it. */
  private dropUnusedFlexible(index: number): void {
    if (!this.lines.slice(index + 1).some((line) => /\bflexible\b/.test(line))) this.lines.splice(index, 1);
  }

  /** Structs compared with their default somewhere in this schema need an isDefault function. */
  readonly needsIsDefault = new Set<StructModel>();

  private markEquals(field: FieldModel): void {
    if (field.struct && !field.isArray && defaultValue(field) !== 'null') this.needIsDefault(field.struct);
  }

  private needIsDefault(struct: StructModel): void {
    if (this.needsIsDefault.has(struct)) return;
    this.needsIsDefault.add(struct);
    for (const field of struct.fields) this.markEquals(field);
  }

  /** `isDefaultX(value)`: true when every field holds its default (decides whether a tagged struct is written). */
  emitIsDefault(struct: StructModel): void {
    const checks = struct.fields.map((field) => `(${isDefault(field, `value.${field.name}`)})`);
    this.line(0, `export function isDefault${struct.typeName}(value: ${struct.typeName}): boolean {`);
    this.line(1, `return ${checks.length === 0 ? 'true' : checks.join(' &&\n    ')};`);
    this.line(0, `}`);
    this.line(0, '');
  }

  private versionCheck(valid: VersionRange, name: string): void {
    this.line(1, `if (version < ${valid.min} || version > ${valid.max}) {`);
    this.line(2, `throw new ProtocolError(\`version \${version} is outside ${valid.min}-${valid.max}\`, '${name}');`);
    this.line(1, `}`);
  }

  private emitReadBlock(struct: StructModel, field: FieldModel, local: string, flex: string, nullable: string, indent: number): void {
    if (!field.isArray) return this.emitRead(struct, field, local, flex, nullable, indent);
    this.line(indent, `{`);
    this.emitRead(struct, field, local, flex, nullable, indent + 1);
    this.line(indent, `}`);
  }

  flexibleRange: VersionRange = EMPTY_RANGE;
}

/** The TypeScript module text for one schema (one side of an API, a header, a record or a data schema). */
export function emitSchemaBody(schema: MessageSchema): { code: string; uses: Emitter['uses'] } {
  const structs = buildStructs(schema);
  const emitter = new Emitter(schema.name);
  emitter.flexibleRange = parseRange(schema.flexibleVersions);
  // Field models share the message range object unless a field overrides it.
  for (const struct of structs) {
    for (const field of struct.fields) {
      if (sameRange(field.flexible, emitter.flexibleRange)) field.flexible = emitter.flexibleRange;
    }
  }
  const valid = parseRange(schema.validVersions);
  structs.forEach((struct, i) => emitter.emitStruct(struct, i === 0, valid));
  for (const struct of structs) if (emitter.needsIsDefault.has(struct)) emitter.emitIsDefault(struct);
  return { code: emitter.lines.join('\n'), uses: emitter.uses };
}

function sameRange(a: VersionRange, b: VersionRange): boolean {
  return a.min === b.min && a.max === b.max;
}

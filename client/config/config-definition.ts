import { ConfigError } from '../client-error.js';

/** The Java client's ConfigDef types (CLASS holds an object or function here; LONG fits a JS number for every key we define). */
export type ConfigType = 'boolean' | 'string' | 'int' | 'long' | 'double' | 'list' | 'class' | 'password';

/** Checks a parsed value: undefined when valid, else the reason (Kafka's wording, "Value must be at least 0"). */
export interface Validator<T> {
  check(value: T): string | undefined;
  /** The valid values as Kafka's documentation shows them: `[0,...]`, `[none, gzip]`. */
  readonly describe: string;
}

/**
 * One dotted key of a client's configuration: its type, Kafka's default
 * (absent: the user must set it), a validator and the doc line. `R` records
 * at the type level whether the key is required, so a missing
 * `bootstrap.servers` is a compile error as well as a runtime one.
 */
export interface ConfigKey<T, R extends boolean = false> {
  readonly type: ConfigType;
  readonly required: R;
  readonly defaultValue: T | undefined;
  readonly doc: string;
  readonly validator: Validator<T> | undefined;
  /** How the default reads in documentation when it is not a plain value (a built-in serializer's name). */
  readonly defaultDescription?: string;
  /** A user's value, typed or in its string form (properties file, `--producer-props k=v`), as T; a string is the reason it is not one. */
  parse(raw: unknown): { value: T } | { reason: string };
}

// `any` keeps definitions of different value types in one table; every access goes through ValueOf.
export type AnyConfigKey = ConfigKey<any, boolean>;
export type ConfigDefinitions = Readonly<Record<string, AnyConfigKey>>;

type ValueOf<K> = K extends ConfigKey<infer T, boolean> ? T : never;
type RequiredKeys<D> = { [K in keyof D]: D[K] extends ConfigKey<unknown, true> ? K : never }[keyof D];
type OptionalKeys<D> = Exclude<keyof D, RequiredKeys<D>>;
/** What a user may write for a key: its value, or the string Kafka's properties files hold (not for `class`-typed objects' own type). */
type InputOf<K> = ValueOf<K> | string;

/** The object a user passes: Kafka's dotted keys, required ones required, values typed or as strings. */
export type ConfigInput<D extends ConfigDefinitions> = { readonly [K in RequiredKeys<D>]: InputOf<D[K]> } & {
  readonly [K in OptionalKeys<D>]?: InputOf<D[K]>;
};

/** The parsed configuration: every key, with the user's value or Kafka's default. */
export type ConfigValues<D extends ConfigDefinitions> = { readonly [K in keyof D]: ValueOf<D[K]> };

interface KeyOptions<T> {
  doc: string;
  validator?: Validator<T>;
}

function defineKey<T>(
  type: ConfigType,
  defaultValue: T | undefined,
  options: KeyOptions<T>,
  parse: (raw: unknown) => { value: T } | { reason: string },
): ConfigKey<T> {
  return { type, required: false, defaultValue, doc: options.doc, validator: options.validator, parse };
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

function parseNumber(raw: unknown, type: 'int' | 'long' | 'double'): { value: number } | { reason: string } {
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : raw;
  const expected = { int: 'a 32-bit integer', long: 'a 64-bit integer', double: 'a number' }[type];
  if (typeof value !== 'number' || Number.isNaN(value)) return { reason: `Expected value to be ${expected}` };
  if (type === 'double') return { value };
  if (!Number.isInteger(value)) return { reason: 'Expected value to be a whole number' };
  if (type === 'int' && (value < INT_MIN || value > INT_MAX)) return { reason: 'Expected value to be a 32-bit integer' };
  if (type === 'long' && !Number.isSafeInteger(value)) return { reason: 'Expected value to be a 64-bit integer no larger than 2^53-1' };
  return { value };
}

export const intKey = (defaultValue: number | undefined, options: KeyOptions<number>): ConfigKey<number> =>
  defineKey('int', defaultValue, options, (raw) => parseNumber(raw, 'int'));

export const longKey = (defaultValue: number | undefined, options: KeyOptions<number>): ConfigKey<number> =>
  defineKey('long', defaultValue, options, (raw) => parseNumber(raw, 'long'));

export const doubleKey = (defaultValue: number | undefined, options: KeyOptions<number>): ConfigKey<number> =>
  defineKey('double', defaultValue, options, (raw) => parseNumber(raw, 'double'));

export const booleanKey = (defaultValue: boolean | undefined, options: KeyOptions<boolean>): ConfigKey<boolean> =>
  defineKey<boolean>('boolean', defaultValue, options, (raw) => {
    if (typeof raw === 'boolean') return { value: raw };
    const text = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
    return text === 'true' || text === 'false' ? { value: text === 'true' } : { reason: 'Expected value to be either true or false' };
  });

/** A string; a `null` default means "not set" (Kafka's `transactional.id`), and then null is a valid value too. */
export function stringKey<T extends string | null = string>(defaultValue: T | undefined, options: KeyOptions<T>): ConfigKey<T> {
  return defineKey<T>('string', defaultValue, options, (raw) => {
    if (raw === null && defaultValue === null) return { value: raw as T };
    return typeof raw === 'string' ? { value: raw as T } : { reason: 'Expected value to be a string' };
  });
}

export const passwordKey = (options: KeyOptions<string | null>): ConfigKey<string | null> =>
  defineKey<string | null>('password', null, options, (raw) =>
    raw === null || typeof raw === 'string' ? { value: raw } : { reason: 'Expected value to be a string' },
  );

/** A comma-separated list (or an array), entries trimmed and empty ones dropped, as Kafka's LIST. */
export const listKey = (defaultValue: readonly string[] | undefined, options: KeyOptions<readonly string[]>): ConfigKey<readonly string[]> =>
  defineKey<readonly string[]>('list', defaultValue, options, (raw) => {
    const items = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) && raw.every((item) => typeof item === 'string') ? (raw as string[]) : null;
    if (items === null) return { reason: 'Expected a comma separated list' };
    return { value: items.map((item) => item.trim()).filter((item) => item !== '') };
  });

/**
 * Kafka's CLASS: here the object or function itself, or a name from
 * `named` (Java class names such as
 * `org.apache.kafka.common.serialization.StringSerializer`, so configs from
 * Kafka's tools keep working).
 */
export function classKey<T>(
  defaultValue: T | undefined,
  options: KeyOptions<T> & { named: Readonly<Record<string, T>>; accepts: (raw: unknown) => raw is T },
): ConfigKey<T> {
  const defaultName = Object.keys(options.named)
    .filter((name) => options.named[name] === defaultValue)
    .sort((a, b) => a.length - b.length)[0];
  const key = defineKey<T>('class', defaultValue, options, (raw) => {
    if (typeof raw === 'string') {
      const named = options.named[raw.trim()];
      return named === undefined ? { reason: `Class ${raw} cannot be found (known: ${Object.keys(options.named).join(', ')})` } : { value: named };
    }
    return options.accepts(raw) ? { value: raw } : { reason: 'Expected a class name or an implementation' };
  });
  return defaultName === undefined ? key : { ...key, defaultDescription: defaultName };
}

/** Marks a key as having no default: the user must set it. */
export function required<T>(key: ConfigKey<T>): ConfigKey<T, true> {
  return { ...key, required: true, defaultValue: undefined };
}

export function atLeast(min: number): Validator<number> {
  return { check: (value) => (value >= min ? undefined : `Value must be at least ${min}`), describe: `[${min},...]` };
}

export function between(min: number, max: number): Validator<number> {
  return {
    check: (value) => (value < min ? `Value must be at least ${min}` : value > max ? `Value must be no more than ${max}` : undefined),
    describe: `[${min},...,${max}]`,
  };
}

export function oneOf<T extends string | null>(...values: T[]): Validator<T> {
  return {
    check: (value) => (values.includes(value) ? undefined : `String must be one of: ${values.join(', ')}`),
    describe: `[${values.join(', ')}]`,
  };
}

/** `oneOf` ignoring case, as Kafka's CaseInsensitiveValidString (`compression.type`, `security.protocol`). */
export function oneOfIgnoringCase(...values: string[]): Validator<string> {
  return {
    check: (value) => (values.includes(value.toLowerCase()) || values.includes(value.toUpperCase()) ? undefined : `String must be one of (case insensitive): ${values.join(', ')}`),
    describe: `(case insensitive) [${values.join(', ')}]`,
  };
}

export function nonEmptyList(): Validator<readonly string[]> {
  return { check: (value) => (value.length > 0 ? undefined : 'Empty list not allowed'), describe: 'non-empty list' };
}

/** Accepts `value` when it is one of `values` or passes `validator` (e.g. gzip's -1 "codec default" beside 1..9). */
export function either(values: number[], validator: Validator<number>): Validator<number> {
  return {
    check: (value) => (values.includes(value) ? undefined : validator.check(value)),
    describe: `${values.join(', ')} or ${validator.describe}`,
  };
}

function shown(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'function') return `function ${raw.name || '(anonymous)'}`;
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    return String(raw);
  }
}

/**
 * Parses a user's configuration against definitions: every key known
 * (unknown keys are an error, unlike Java's warning, so a typo never goes
 * unnoticed), each value parsed and validated, defaults filled in. Every
 * error names the key and the value, as Kafka's ConfigException does.
 * Password values are never shown.
 */
export function parseConfig<D extends ConfigDefinitions>(definitions: D, input: ConfigInput<D> | Readonly<Record<string, unknown>>): ConfigValues<D> {
  const values: Record<string, unknown> = {};
  const given = input as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(definitions, key)) {
      throw new ConfigError(key, given[key], `Unknown configuration "${key}"${closest(key, Object.keys(definitions))}`);
    }
  }
  for (const [key, definition] of Object.entries(definitions)) {
    const raw = given[key];
    if (raw === undefined) {
      if (definition.defaultValue === undefined) throw new ConfigError(key, undefined, `Missing required configuration "${key}" which has no default value.`);
      values[key] = definition.defaultValue;
      continue;
    }
    const value = parseValue(key, definition, raw);
    values[key] = value;
  }
  return values as ConfigValues<D>;
}

/** One key's value parsed and validated; throws ConfigError naming the key and the value. */
export function parseValue<T>(key: string, definition: ConfigKey<T, boolean>, raw: unknown): T {
  const parsed = definition.parse(raw);
  const display = definition.type === 'password' ? '[hidden]' : shown(raw);
  if ('reason' in parsed) throw new ConfigError(key, display, `Invalid value ${display} for configuration ${key}: ${parsed.reason}`);
  const reason = definition.validator?.check(parsed.value);
  if (reason !== undefined) throw new ConfigError(key, display, `Invalid value ${display} for configuration ${key}: ${reason}`);
  return parsed.value;
}

/** " (did you mean x?)" for a key one or two edits from a known one. */
function closest(key: string, known: string[]): string {
  const near = known.find((candidate) => editDistance(candidate, key) <= 2);
  return near === undefined ? '' : ` (did you mean "${near}"?)`;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** `k=v` strings (`--producer-props`, a properties file's lines) as a config input object; values stay strings for parseConfig. */
export function parseKeyValues(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new ConfigError(pair, pair, `Invalid property "${pair}": expected key=value`);
    out[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim();
  }
  return out;
}

/** A definition table as documentation rows: key, type, default, valid values, doc (client/README.md's tables). */
export function describeConfig(definitions: ConfigDefinitions): { key: string; type: ConfigType; defaultValue: string; validValues: string; doc: string }[] {
  return Object.entries(definitions)
    .map(([key, definition]) => ({
      key,
      type: definition.type,
      defaultValue: definition.required ? '(required)' : (definition.defaultDescription ?? showDefault(definition.defaultValue)),
      validValues: definition.validator?.describe ?? '',
      doc: definition.doc,
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

function showDefault(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object' || typeof value === 'function') return (value as { name?: string }).name ?? 'an implementation';
  return String(value as string | number | boolean);
}

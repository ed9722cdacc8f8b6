/**
 * One row of a config table: a Kafka key, its type, its default written as
 * Kafka documents it (text, or null for "no default"), a validator and a doc
 * line. Values are parsed from text the same way whether they come from the
 * file or from the default, so a default can never be of the wrong type.
 */
export type ConfigType = 'boolean' | 'short' | 'int' | 'long' | 'string' | 'list';

export interface ConfigValueOfType {
  boolean: boolean;
  short: number;
  int: number;
  long: number;
  string: string;
  list: readonly string[];
}

/** Returns why a parsed value is invalid, or undefined when it is fine. */
export type ConfigValidator = (value: never) => string | undefined;

export interface ConfigDefinition {
  readonly key: string;
  readonly type: ConfigType;
  readonly defaultValue: string | null;
  readonly doc: string;
  readonly validator?: ConfigValidator;
  /** A secret (Kafka's PASSWORD type): DescribeConfigs shows no value. */
  readonly sensitive?: boolean;
}

/** The typed values of a table, keyed by Kafka's names; no default means nullable. */
export type ConfigValues<Defs extends readonly ConfigDefinition[]> = {
  readonly [D in Defs[number] as D['key']]: D['defaultValue'] extends string
    ? ConfigValueOfType[D['type']]
    : ConfigValueOfType[D['type']] | null;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const integerRanges = {
  short: [-(2n ** 15n), 2n ** 15n - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
} as const;

/** Parses `text` as `type`, throwing a ConfigError that names the key and the value. */
export function parseConfigValue(definition: ConfigDefinition, text: string): ConfigValueOfType[ConfigType] {
  const trimmed = text.trim();
  const invalid = (why: string): ConfigError =>
    new ConfigError(`Invalid value ${JSON.stringify(text)} for configuration ${definition.key}: ${why}`);
  let value: ConfigValueOfType[ConfigType];
  switch (definition.type) {
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw invalid('expected true or false');
      value = lower === 'true';
      break;
    }
    case 'short':
    case 'int':
    case 'long': {
      if (!/^[+-]?\d+$/.test(trimmed)) throw invalid(`expected a whole number (${definition.type})`);
      const big = BigInt(trimmed);
      const [min, max] = integerRanges[definition.type];
      if (big < min || big > max) throw invalid(`out of range for ${definition.type}`);
      value = Number(big);
      break;
    }
    case 'string':
      value = trimmed;
      break;
    case 'list':
      value = trimmed === '' ? [] : trimmed.split(',').map((item) => item.trim());
      break;
    default: {
      const unreachable: never = definition.type;
      throw new Error(`unknown config type ${String(unreachable)}`);
    }
  }
  const why = definition.validator?.(value as never);
  if (why !== undefined) throw invalid(why);
  return value;
}

/**
 * A valid value as Kafka prints it, from its text: integers exact (a long stays an int64,
 * never a rounded JS number), lists comma-joined, booleans lower case.
 */
export function configValueText(definition: ConfigDefinition, text: string): string {
  const trimmed = text.trim();
  switch (definition.type) {
    case 'boolean':
      return trimmed.toLowerCase();
    case 'short':
    case 'int':
    case 'long':
      return BigInt(trimmed).toString();
    case 'list':
      return trimmed === '' ? '' : trimmed.split(',').map((item) => item.trim()).join(',');
    case 'string':
      return trimmed;
    default: {
      const unreachable: never = definition.type;
      throw new Error(`unknown config type ${String(unreachable)}`);
    }
  }
}

export const atLeast =
  (min: number): ConfigValidator =>
  (value: number) =>
    value >= min ? undefined : `must be at least ${min}`;

export const between =
  (min: number, max: number): ConfigValidator =>
  (value: number) =>
    value >= min && value <= max ? undefined : `must be between ${min} and ${max}`;

export const oneOf =
  (...allowed: string[]): ConfigValidator =>
  (value: string) =>
    allowed.includes(value) ? undefined : `must be one of ${allowed.join(', ')}`;

export const eachOneOf =
  (...allowed: string[]): ConfigValidator =>
  (value: readonly string[]) => {
    const bad = value.find((item) => !allowed.includes(item));
    return bad === undefined ? undefined : `${JSON.stringify(bad)} is not one of ${allowed.join(', ')}`;
  };

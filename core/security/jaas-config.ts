/**
 * One login module of a JAAS configuration as Kafka reads `sasl.jaas.config`
 * (`<LoginModule> <flag> key="value" ...;`): Kafka's broker takes exactly one
 * module per listener and mechanism, and reads its options (for PLAIN, the
 * `user_<name>="<password>"` entries).
 */
export interface JaasLoginModule {
  readonly loginModule: string;
  readonly controlFlag: 'required' | 'requisite' | 'sufficient' | 'optional';
  readonly options: ReadonlyMap<string, string>;
}

const CONTROL_FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

export class JaasConfigError extends Error {
  override readonly name = 'JaasConfigError';
}

/**
 * Parses a `sasl.jaas.config` value holding exactly one login module. Errors
 * say where the text went wrong but never quote option values (they hold passwords).
 */
export function parseJaasConfig(text: string): JaasLoginModule {
  const tokens = tokenize(text);
  let at = 0;
  const next = (what: string): Token => {
    const token = tokens[at++];
    if (token === undefined) throw new JaasConfigError(`sasl.jaas.config ends where ${what} was expected`);
    return token;
  };
  const loginModule = next('a login module class');
  if (loginModule.kind !== 'word') throw new JaasConfigError('sasl.jaas.config must start with a login module class name');
  const flag = next('a control flag (required, requisite, sufficient, optional)');
  if (flag.kind !== 'word' || !CONTROL_FLAGS.has(flag.text.toLowerCase())) {
    throw new JaasConfigError(`sasl.jaas.config: ${loginModule.text} must be followed by a control flag (required, requisite, sufficient, optional)`);
  }
  const options = new Map<string, string>();
  for (;;) {
    const token = next("';' after the options");
    if (token.kind === ';') break;
    if (token.kind !== 'word') throw new JaasConfigError('sasl.jaas.config: expected an option name');
    if (next(`'=' after option ${token.text}`).kind !== '=') throw new JaasConfigError(`sasl.jaas.config: expected '=' after option ${token.text}`);
    const value = next(`a value for option ${token.text}`);
    if (value.kind !== 'word' && value.kind !== 'quoted') throw new JaasConfigError(`sasl.jaas.config: option ${token.text} has no value`);
    options.set(token.text, value.text);
  }
  if (at !== tokens.length) throw new JaasConfigError('sasl.jaas.config must hold exactly one login module (Kafka refuses more on a broker)');
  return { loginModule: loginModule.text, controlFlag: flag.text.toLowerCase() as JaasLoginModule['controlFlag'], options };
}

interface Token {
  readonly kind: 'word' | 'quoted' | '=' | ';';
  readonly text: string;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '=' || c === ';') {
      tokens.push({ kind: c, text: c });
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        // Java's StreamTokenizer: a backslash escapes the next character.
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (i >= text.length) throw new JaasConfigError('sasl.jaas.config has an unterminated quoted value');
      i++;
      tokens.push({ kind: 'quoted', text: value });
    } else {
      const start = i;
      while (i < text.length && !/[\s=;"]/.test(text[i]!)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i) });
    }
  }
  return tokens;
}

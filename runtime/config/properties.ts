/**
 * Java `.properties` syntax, as `java.util.Properties.load` reads it (Kafka's
 * `server.properties` is loaded that way): `#`/`!` comment lines, `key=value`,
 * `key: value` or `key value`, a trailing odd backslash continues the line,
 * and `\t \n \r \f \uXXXX` escapes (any other escaped character stands for
 * itself). A later duplicate key wins, as in Java.
 */
export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  /** 1-based line where the logical line starts, for messages. */
  readonly line: number;
}

export function parseProperties(text: string): Map<string, PropertyEntry> {
  const entries = new Map<string, PropertyEntry>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    let logical = stripLeadingWhitespace(lines[i]!);
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    while (endsWithContinuation(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + stripLeadingWhitespace(lines[++i]!);
    }
    if (endsWithContinuation(logical)) logical = logical.slice(0, -1);
    const { key, value } = splitKeyValue(logical);
    entries.set(key, { key, value, line: startLine });
  }
  return entries;
}

function stripLeadingWhitespace(line: string): string {
  return line.replace(/^[ \t\f]+/, '');
}

function endsWithContinuation(line: string): boolean {
  let backslashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

function splitKeyValue(line: string): { key: string; value: string } {
  let keyEnd = 0;
  while (keyEnd < line.length) {
    const c = line[keyEnd]!;
    if (c === '\\') {
      keyEnd += 2;
      continue;
    }
    if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
    keyEnd++;
  }
  const rawKey = line.slice(0, Math.min(keyEnd, line.length));
  let valueStart = keyEnd;
  while (valueStart < line.length && /[ \t\f]/.test(line[valueStart]!)) valueStart++;
  if (valueStart < line.length && (line[valueStart] === '=' || line[valueStart] === ':')) valueStart++;
  while (valueStart < line.length && /[ \t\f]/.test(line[valueStart]!)) valueStart++;
  return { key: unescape(rawKey), value: unescape(line.slice(valueStart)) };
}

const simpleEscapes: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\' || i + 1 >= raw.length) {
      out += c;
      continue;
    }
    const next = raw[++i]!;
    if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(raw.slice(i + 1, i + 5))) {
      out += String.fromCharCode(Number.parseInt(raw.slice(i + 1, i + 5), 16));
      i += 4;
    } else {
      out += simpleEscapes[next] ?? next;
    }
  }
  return out;
}

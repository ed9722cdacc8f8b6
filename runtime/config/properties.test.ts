import { describe, expect, it } from 'vitest';
import { parseProperties } from './properties.js';

const valuesOf = (text: string): Record<string, string> =>
  Object.fromEntries([...parseProperties(text)].map(([key, entry]) => [key, entry.value]));

describe('parseProperties', () => {
  it('reads key=value, key: value and key value, skipping # and ! comments and blank lines', () => {
    const text = ['# comment', '  ! another', '', 'a=1', 'b: 2', 'c 3', '  d   =   spaced value  '].join('\n');
    expect(valuesOf(text)).toEqual({ a: '1', b: '2', c: '3', d: 'spaced value  ' });
  });

  it('joins continuation lines and drops the leading whitespace of the next line', () => {
    const text = 'listeners=PLAINTEXT://:9092,\\\n    CONTROLLER://:9093\nnext=x';
    expect(valuesOf(text)).toEqual({ listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093', next: 'x' });
  });

  it('treats an even run of trailing backslashes as an escaped backslash, not a continuation', () => {
    expect(valuesOf('path=C:\\\\\nnext=1')).toEqual({ path: 'C:\\', next: '1' });
  });

  it('decodes escapes in keys and values, including \\uXXXX and escaped separators', () => {
    expect(valuesOf('my\\=key\\ x=tab\\there\\u00e9\\n\\q')).toEqual({ 'my=key x': 'tab\there\u00e9\nq' });
  });

  it('keeps an empty value and lets a later duplicate win, remembering its line', () => {
    const entries = parseProperties('a=\r\nb=1\r\nb=2');
    expect(entries.get('a')?.value).toBe('');
    expect(entries.get('b')).toEqual({ key: 'b', value: '2', line: 3 });
  });

  it('does not treat # inside a value as a comment', () => {
    expect(valuesOf('a=x#y')).toEqual({ a: 'x#y' });
  });
});

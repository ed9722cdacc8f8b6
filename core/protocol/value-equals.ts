/**
 * Structural equality of decoded values (numbers, bigints, strings, booleans,
 * null, Buffers, arrays, plain objects). Generated writers use it to tell a
 * struct from its default, which decides whether a tagged struct is written
 * and whether dropping a field in an old version loses information.
 */
export function valueEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) {
    return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => valueEquals(item, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => valueEquals((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

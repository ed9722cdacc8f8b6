/**
 * Byte copies into and out of SharedArrayBuffer memory at memcpy speed.
 *
 * V8 copies a view of shared memory (TypedArray.prototype.set, and so
 * Buffer.copy and Buffer.from) element by element with relaxed atomics:
 * measured here at a third (16 KiB) to two thirds (1 MiB) of memcpy speed.
 * Buffer.prototype.fill with a Buffer value of the same length is one memcpy
 * in Node's C++. Below a few KiB its extra native call costs more than it saves.
 */
const FILL_MIN_BYTES = 4096;

/** Copies all of `source` into `target` at `targetOffset` (which must have room). */
export function copyBytes(source: Uint8Array, target: Uint8Array, targetOffset = 0): void {
  if (source.byteLength < FILL_MIN_BYTES) target.set(source, targetOffset);
  else Buffer.from(target.buffer, target.byteOffset + targetOffset, source.byteLength).fill(source);
}

/** A copy of `source` in ordinary (unshared) memory. */
export function copyOut(source: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(source.byteLength);
  copyBytes(source, out);
  return out;
}

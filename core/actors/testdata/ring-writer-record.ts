/** Record `seq` of the two-thread ring test: sizes from 0 to 1500 bytes (a ring of 4 KiB takes 2 to 500 at once), checkable bytes. */
export function ringWriterRecord(seq: number): Uint8Array {
  const length = (seq * 7919) % 1501;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seq + i * 31) & 0xff;
  return out;
}

/**
 * Reads the topic list out of a ConsumerProtocolSubscription (the opaque
 * JoinGroup metadata of protocol type "consumer"): int16 version, then an
 * int32-counted array of int16-length strings in every version (0-3). The
 * coordinator only needs the topics, to keep offsets of subscribed topics.
 */
export function subscribedTopics(metadata: Uint8Array): string[] | null {
  const view = new DataView(metadata.buffer, metadata.byteOffset, metadata.byteLength);
  let position = 2;
  if (metadata.byteLength < position + 4) return null;
  const count = view.getInt32(position);
  position += 4;
  // Each topic needs at least its 2-byte length: refuse counts the bytes cannot hold.
  if (count < 0 || count * 2 > metadata.byteLength - position) return null;
  const topics: string[] = [];
  for (let i = 0; i < count; i++) {
    if (metadata.byteLength < position + 2) return null;
    const length = view.getInt16(position);
    position += 2;
    if (length < 0 || metadata.byteLength < position + length) return null;
    topics.push(Buffer.from(metadata.buffer, metadata.byteOffset + position, length).toString('utf8'));
    position += length;
  }
  return topics;
}

/** Encodes a version-0 subscription: what a consumer sends for these topics (used by tests and tools). */
export function encodeSubscription(topics: string[]): Uint8Array {
  const parts = topics.map((t) => Buffer.from(t, 'utf8'));
  const out = Buffer.alloc(2 + 4 + parts.reduce((n, p) => n + 2 + p.length, 0) + 4);
  let position = out.writeInt16BE(0, 0);
  position = out.writeInt32BE(parts.length, position);
  for (const part of parts) {
    position = out.writeInt16BE(part.length, position);
    position += part.copy(out, position);
  }
  out.writeInt32BE(-1, position); // null userData
  return out;
}

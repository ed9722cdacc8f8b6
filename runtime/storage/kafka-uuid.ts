import { randomBytes } from 'node:crypto';

/**
 * Kafka's `Uuid` in its text form: 16 bytes (a version-4 UUID) as base64url
 * without padding, 22 characters. Like Kafka, it never hands out an id
 * starting with '-', which would read as a command-line flag; the version
 * bits already rule out Kafka's reserved ids (zero and the metadata topic's …01).
 */
export function randomKafkaUuid(random: (size: number) => Uint8Array = randomBytes): string {
  for (;;) {
    const bytes = Buffer.from(random(16));
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const text = bytes.toString('base64url');
    if (!text.startsWith('-')) return text;
  }
}

/** Decodes the text form, or returns null when it is not exactly 16 bytes of base64url. */
export function parseKafkaUuid(text: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]{22}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  // The 22nd character carries 2 bits of padding; they must be zero for a canonical id.
  return bytes.length === 16 && bytes.toString('base64url') === text ? bytes : null;
}

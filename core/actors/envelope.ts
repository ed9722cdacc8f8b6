import { Packr } from 'msgpackr';
import type { Address } from './actor.js';
import { copyBytes } from './shared-copy.js';

/**
 * How an actor message sits in a ring record (see shared-ring.ts for the record header):
 *
 *   tag  = kind | HAS_PAYLOAD? | OVERSIZE?
 *   body = int32 envelopeBytes (LE) | envelope (msgpack) | payload bytes (raw, to the end)
 *
 * The envelope is small and structured; the payload (a record batch) is
 * copied as bytes, never through msgpack. With OVERSIZE the payload is not
 * in the record: it arrives as a transferred ArrayBuffer on the channel's
 * MessagePort, matched by `envelope.oversizeSeq`.
 */
export const MessageKind = { tell: 1, ask: 2, reply: 3, failure: 4 } as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

const HAS_PAYLOAD = 0x100;
const OVERSIZE = 0x200;
const KIND_MASK = 0xff;

export interface Envelope {
  /** Destination actor (tell / ask). */
  to?: Address;
  from?: Address;
  /** Ask correlation id, unique per asking thread. */
  askId?: number;
  /** Thread index the reply must go to. */
  replyThread?: number;
  oversizeSeq?: number;
  body: unknown;
}

// copyBuffers: binary values in a body must not alias the bytes they were decoded from (a ring slot, or the scratch below).
const packr = new Packr({ useRecords: false, moreTypes: false, copyBuffers: true });
const ENVELOPE_LENGTH_BYTES = 4;
/**
 * Envelopes are unpacked from a copy in ordinary memory: msgpackr's native
 * string extraction refuses SharedArrayBuffer memory by throwing, and the
 * throw made each decode straight from the ring ~6x slower (8 vs 1.4 us).
 */
let scratch = Buffer.allocUnsafeSlow(4096);

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  // pack() may reuse its internal buffer: callers copy the bytes out before the next call.
  return packr.pack(envelope);
}

export function envelopeRecordBytes(envelopeBytes: number, payloadBytes: number): number {
  return ENVELOPE_LENGTH_BYTES + envelopeBytes + payloadBytes;
}

export function recordTag(kind: MessageKind, hasPayload: boolean, oversize: boolean): number {
  return kind | (hasPayload ? HAS_PAYLOAD : 0) | (oversize ? OVERSIZE : 0);
}

export function writeEnvelopeRecord(target: Uint8Array, envelope: Uint8Array, payload: Uint8Array | undefined): void {
  new DataView(target.buffer, target.byteOffset, ENVELOPE_LENGTH_BYTES).setInt32(0, envelope.byteLength, true);
  target.set(envelope, ENVELOPE_LENGTH_BYTES);
  if (payload !== undefined) copyBytes(payload, target, ENVELOPE_LENGTH_BYTES + envelope.byteLength);
}

export interface DecodedRecord {
  kind: MessageKind;
  envelope: Envelope;
  /** A view into the record (copy it before the record is released), if the payload is inline. */
  inlinePayload: Uint8Array | undefined;
  hasPayload: boolean;
  oversize: boolean;
}

export function decodeEnvelopeRecord(tag: number, body: Uint8Array): DecodedRecord {
  const envelopeBytes = new DataView(body.buffer, body.byteOffset, ENVELOPE_LENGTH_BYTES).getInt32(0, true);
  if (envelopeBytes > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.max(envelopeBytes, scratch.length * 2));
  scratch.set(body.subarray(ENVELOPE_LENGTH_BYTES, ENVELOPE_LENGTH_BYTES + envelopeBytes));
  const envelope = packr.unpack(scratch.subarray(0, envelopeBytes)) as Envelope;
  const hasPayload = (tag & HAS_PAYLOAD) !== 0;
  const oversize = (tag & OVERSIZE) !== 0;
  return {
    kind: (tag & KIND_MASK) as MessageKind,
    envelope,
    inlinePayload: hasPayload && !oversize ? body.subarray(ENVELOPE_LENGTH_BYTES + envelopeBytes) : undefined,
    hasPayload,
    oversize,
  };
}

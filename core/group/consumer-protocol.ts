import {
  defaultConsumerProtocolSubscription,
  readConsumerProtocolSubscription,
  writeConsumerProtocolSubscription,
} from '../protocol/generated/messages/consumer-protocol-subscription.js';
import { ProtocolError } from '../protocol/protocol-error.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';

/** The newest ConsumerProtocolSubscription version we know; newer ones are read as this one, as Kafka's ConsumerProtocol does. */
const SUBSCRIPTION_MAX_VERSION = 3;
/** The version we write: v0 carries the topics, and every client reads it. */
const WRITE_VERSION = 0;

/**
 * The topics of a ConsumerProtocolSubscription, the opaque JoinGroup metadata of protocol type
 * "consumer" (int16 version, then the schema's fields). kafkajs labels its v0 layout (topics, user
 * data) as version 1, so bytes that end too early for their version are read again as v0. Bytes
 * that do not parse raise ProtocolError.
 */
export function decodeSubscription(metadata: Uint8Array): string[] {
  const bytes = Buffer.from(metadata.buffer, metadata.byteOffset, metadata.byteLength);
  const version = new Reader(bytes).int16('ConsumerProtocolSubscription.version');
  if (version < 0) throw new ProtocolError(`version ${version}`, 'ConsumerProtocolSubscription.version');
  const read = (asVersion: number): string[] => readConsumerProtocolSubscription(new Reader(bytes, 2), asVersion).topics;
  try {
    return read(Math.min(version, SUBSCRIPTION_MAX_VERSION));
  } catch (error) {
    if (version === 0 || !(error instanceof ProtocolError)) throw error;
    return read(0);
  }
}

/** The coordinator's view: the subscribed topics (to keep their offsets), or null when the bytes do not parse. */
export function subscribedTopics(metadata: Uint8Array): string[] | null {
  try {
    return decodeSubscription(metadata);
  } catch (error) {
    if (error instanceof ProtocolError) return null;
    throw error;
  }
}

/** A member's subscription bytes for JoinGroup, as a consumer sends them for these topics. */
export function encodeSubscription(topics: readonly string[]): Buffer {
  const writer = new Writer();
  writer.int16(WRITE_VERSION);
  writeConsumerProtocolSubscription(writer, WRITE_VERSION, { ...defaultConsumerProtocolSubscription(), topics: [...topics] });
  return writer.toBuffer();
}

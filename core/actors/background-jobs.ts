/**
 * Stateless jobs for the background pool (piscina workers). Each job takes
 * and returns transferable data only; nothing here keeps state between calls.
 */
import { crc32c } from '@node-rs/crc32';
import { ProtocolError } from '../protocol/protocol-error.js';
import { BATCH_HEADER_SIZE, BatchField, CURRENT_MAGIC, RecordBatchView, type CompressionCodec } from '../protocol/record-batch-header.js';
import { recompressBatch } from '../protocol/records/recompress-batch.js';

export interface Crc32cJob {
  readonly bytes: ArrayBuffer;
}

/** CRC-32C of a large buffer, off the calling thread. */
export function crc32cJob({ bytes }: Crc32cJob): number {
  return crc32c(Buffer.from(bytes)) >>> 0;
}

export interface RecompressJob {
  /** One produced record batch, as the client sent it. */
  readonly batch: ArrayBuffer;
  /** The topic's codec (compression.type). */
  readonly codec: CompressionCodec;
}

/** The batch in the topic's codec; `unchanged` for what the partition itself must judge; `corrupt` when its CRC or data are bad. */
export type RecompressResult = { readonly batch: Uint8Array } | { readonly unchanged: true } | { readonly corrupt: string };

/**
 * Recompression of a produced batch to its topic's compression.type, off the
 * thread that received it: its CRC is checked first (a corrupt batch must not
 * get a fresh CRC), then its records are decompressed once, decoded and
 * compressed again. Anything but one magic-2 data batch is left to the
 * partition, which refuses it with the right error.
 */
export async function recompressJob({ batch, codec }: RecompressJob): Promise<RecompressResult> {
  const bytes = Buffer.from(batch);
  if (bytes.length < BATCH_HEADER_SIZE || bytes.readInt8(BatchField.magic) !== CURRENT_MAGIC) return { unchanged: true };
  const view = new RecordBatchView(bytes, 0);
  if (view.sizeInBytes !== bytes.length || view.isControl || view.compression === codec) return { unchanged: true };
  if (!view.isCrcValid()) return { corrupt: 'record batch fails its CRC' };
  try {
    // A copy of exactly the batch: a Buffer of the shared pool would clone the whole pool slab.
    return { batch: new Uint8Array(await recompressBatch(view, codec)) };
  } catch (error) {
    if (error instanceof ProtocolError) return { corrupt: error.message };
    throw error;
  }
}

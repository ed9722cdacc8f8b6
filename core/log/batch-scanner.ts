import { BATCH_HEADER_SIZE, BATCH_LOG_OVERHEAD, CURRENT_MAGIC, RecordBatchView } from '../protocol/record-batch-header.js';
import type { LogFile } from './log-file-system.js';

/** Where a scan stopped, and why when it was not the end. */
export interface ScanResult {
  /** File position of the first byte not accepted (the end position when everything was accepted). */
  position: number;
  /** Null when the scan reached the end; otherwise what was wrong at `position`. */
  problem: string | null;
}

const MIN_BATCH_LENGTH = BATCH_HEADER_SIZE - BATCH_LOG_OVERHEAD;

/**
 * Walks the batches stored in `file` between `start` and `end`, reading big
 * chunks (one read per chunk, not per batch) and handing each whole batch to
 * `visit` as a view into the chunk. Stops at the first batch whose framing is
 * broken or that runs past `end` (a torn write), or when `visit` returns a
 * problem string. The view is only valid during the call.
 */
export function scanBatches(
  file: LogFile,
  start: number,
  end: number,
  visit: (batch: RecordBatchView, position: number) => string | null,
  chunkBytes = 8 << 20,
): ScanResult {
  let buffer = Buffer.allocUnsafe(Math.max(BATCH_HEADER_SIZE, Math.min(chunkBytes, end - start)));
  let position = start;
  while (position < end) {
    const wanted = Math.min(buffer.length, end - position);
    const length = readFully(file, buffer, wanted, position);
    // A file shorter than the caller believed ends where the bytes end.
    if (length < wanted) end = position + length;
    let at = 0;
    for (;;) {
      const left = length - at;
      const filePosition = position + at;
      if (left < BATCH_HEADER_SIZE) {
        if (filePosition + BATCH_HEADER_SIZE > end) return filePosition === end ? { position: end, problem: null } : { position: filePosition, problem: 'truncated batch header' };
        break;
      }
      const batch = new RecordBatchView(buffer, at);
      if (batch.batchLength < MIN_BATCH_LENGTH) return { position: filePosition, problem: `batch length ${batch.batchLength} below the header size` };
      if (batch.magic !== CURRENT_MAGIC) return { position: filePosition, problem: `magic ${batch.magic}` };
      const size = batch.sizeInBytes;
      if (filePosition + size > end) return { position: filePosition, problem: 'batch runs past the end of the segment' };
      if (size > left) {
        if (size > buffer.length) buffer = Buffer.allocUnsafe(size);
        break;
      }
      const problem = visit(batch, filePosition);
      if (problem !== null) return { position: filePosition, problem };
      at += size;
    }
    position += at;
  }
  return { position: end, problem: null };
}

/** Reads until `length` bytes or end of file; returns the bytes read. */
export function readFully(file: LogFile, buffer: Buffer, length: number, position: number, offset = 0): number {
  let done = 0;
  while (done < length) {
    const n = file.read(buffer, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

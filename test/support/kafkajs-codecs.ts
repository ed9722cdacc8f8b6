import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compressRecords, decompressRecords } from '../../core/protocol/compression/records-codec.js';
import { Compression, type CompressionCodec } from '../../core/protocol/record-batch-header.js';

/** kafkajs ships only gzip: register snappy, lz4 and zstd through core/protocol/compression. */
export function registerKafkajsCodecs(): void {
  const codec = (id: CompressionCodec) => () => ({
    compress: (encoder: { buffer: Buffer }) => compressRecords(id, encoder.buffer),
    decompress: (buffer: Buffer) => decompressRecords(id, buffer),
  });
  CompressionCodecs[CompressionTypes.Snappy] = codec(Compression.snappy);
  CompressionCodecs[CompressionTypes.LZ4] = codec(Compression.lz4);
  CompressionCodecs[CompressionTypes.ZSTD] = codec(Compression.zstd);
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMetadataRecords, encodeMetadataRecords, type MetadataRecord } from '../../core/raft/metadata/metadata-record.js';

/**
 * Records `storage format` leaves for the first active controller of a new cluster to append
 * (`--add-scram` credentials), as Kafka's bootstrap checkpoint does; in Freshet's own framing
 * (the metadata records as a snapshot holds them), so under a name of its own.
 */
const BOOTSTRAP_FILE = 'bootstrap.records';

export function writeBootstrapRecords(metadataLogDir: string, records: readonly MetadataRecord[]): void {
  writeFileSync(join(metadataLogDir, BOOTSTRAP_FILE), encodeMetadataRecords(records));
}

export function readBootstrapRecords(metadataLogDir: string): MetadataRecord[] {
  const path = join(metadataLogDir, BOOTSTRAP_FILE);
  return existsSync(path) ? decodeMetadataRecords(readFileSync(path)) : [];
}

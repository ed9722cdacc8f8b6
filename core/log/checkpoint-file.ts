import { joinPath, readWholeFile, writeFileAtomically, type LogFileSystem } from './log-file-system.js';

/**
 * Kafka's text checkpoint files: a version line (`0`), a count line, then one
 * entry per line with space-separated fields. Used for
 * recovery-point-offset-checkpoint and log-start-offset-checkpoint
 * (`topic partition offset`) in a log dir, and leader-epoch-checkpoint
 * (`epoch startOffset`) in a partition dir.
 */
export const CHECKPOINT_VERSION = 0;

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

export function encodeCheckpoint(entries: readonly (readonly (string | number | bigint)[])[]): Buffer {
  const lines = [String(CHECKPOINT_VERSION), String(entries.length), ...entries.map((fields) => fields.join(' '))];
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

/** Parses a checkpoint whose entries have `fieldCount` fields; throws CheckpointError on anything malformed. */
export function decodeCheckpoint(text: string, fieldCount: number): string[][] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0]?.trim() !== String(CHECKPOINT_VERSION)) throw new CheckpointError(`unsupported checkpoint version ${JSON.stringify(lines[0])}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0 || lines.length !== count + 2) throw new CheckpointError(`checkpoint count ${JSON.stringify(lines[1])} does not match ${lines.length - 2} entries`);
  return lines.slice(2).map((line) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== fieldCount) throw new CheckpointError(`checkpoint line ${JSON.stringify(line)} needs ${fieldCount} fields`);
    return fields;
  });
}

/** topic-partition → offset, as in recovery-point-offset-checkpoint and log-start-offset-checkpoint. */
export class OffsetCheckpointFile {
  constructor(
    private readonly fs: LogFileSystem,
    readonly dir: string,
    readonly name: string,
  ) {}

  write(offsets: ReadonlyMap<string, { topic: string; partition: number; offset: bigint }>): void {
    const entries = [...offsets.values()].map((e) => [e.topic, e.partition, e.offset]);
    writeFileAtomically(this.fs, this.dir, this.name, encodeCheckpoint(entries));
  }

  /** Keyed by `topic-partition`; an absent file is empty. */
  read(): Map<string, bigint> {
    const path = joinPath(this.dir, this.name);
    const result = new Map<string, bigint>();
    if (!this.fs.exists(path)) return result;
    for (const [topic, partition, offset] of decodeCheckpoint(readWholeFile(this.fs, path).toString('utf8'), 3)) {
      result.set(`${topic}-${Number(partition)}`, parseOffset(offset!));
    }
    return result;
  }
}

export function parseOffset(text: string): bigint {
  if (!/^-?\d+$/.test(text)) throw new CheckpointError(`offset ${JSON.stringify(text)} is not an integer`);
  return BigInt(text);
}

/**
 * The file operations the log needs, and nothing more. The broker passes the
 * `node:fs` implementation; tests pass `MemoryFileSystem`, which can tear
 * writes, fail reads and forget unflushed bytes on a simulated crash.
 * All calls are synchronous: `fs.writeSync`/`fdatasyncSync` on the partition's
 * own thread beat the promise API (see DESIGN.md, performance rules).
 */
export interface LogFile {
  readonly path: string;
  /** Current length in bytes. */
  size(): number;
  /** Reads up to `length` bytes at `position` into `buffer[offset..]`; returns the bytes read (short at end of file). */
  read(buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes all `length` bytes of `buffer[offset..]` at `position`, extending the file if needed. */
  write(buffer: Uint8Array, offset: number, length: number, position: number): void;
  truncate(size: number): void;
  /** Makes the file's data durable (fdatasync). */
  sync(): void;
  close(): void;
}

export interface LogFileSystem {
  /** Opens for reading and writing; creates the file when `create` is set and it does not exist. */
  open(path: string, options?: { create?: boolean }): LogFile;
  exists(path: string): boolean;
  /** Names (not paths) of the entries of a directory. */
  list(dir: string): string[];
  isDirectory(path: string): boolean;
  mkdir(dir: string): void;
  /** Atomic replace of `to`, as rename(2). */
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Removes a directory and everything in it. */
  removeDirectory(dir: string): void;
  /** Makes renames and unlinks inside `dir` durable (fsync of the directory). */
  syncDirectory(dir: string): void;
}

/** Joins path parts with '/', the separator on every platform Node runs the broker on. */
export function joinPath(...parts: string[]): string {
  return parts.join('/').replace(/\/+/g, '/');
}

/** Reads a whole (small) file: checkpoints and index files. */
export function readWholeFile(fs: LogFileSystem, path: string): Buffer {
  const file = fs.open(path);
  try {
    const size = file.size();
    const buffer = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = file.read(buffer, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return buffer.subarray(0, done);
  } finally {
    file.close();
  }
}

/** Writes `data` to a temporary file, syncs it and renames it over `path`: readers see the old or the new file, never a mix. */
export function writeFileAtomically(fs: LogFileSystem, dir: string, name: string, data: Buffer): void {
  const tmp = joinPath(dir, `${name}.tmp`);
  const file = fs.open(tmp, { create: true });
  try {
    file.truncate(0);
    file.write(data, 0, data.length, 0);
    file.sync();
  } finally {
    file.close();
  }
  fs.rename(tmp, joinPath(dir, name));
}

import type { LogFile, LogFileSystem } from './log-file-system.js';

/** An I/O error as node:fs raises it, so callers handle both file layers alike. */
export class SimulatedIoError extends Error {
  override readonly name = 'SimulatedIoError';
  readonly code = 'EIO';
}

interface Inode {
  data: Buffer;
  length: number;
  /** The bytes a crash keeps: what the last sync made durable. */
  durable: Buffer;
}

/** A fault to inject into the next write whose path passes `matches`. */
export interface TornWrite {
  matches: (path: string) => boolean;
  /** How many bytes of that write reach the file before it fails. */
  bytesWritten: number;
}

/**
 * An in-memory file layer for tests, with the faults a real disk has:
 * - `crash()` (power loss) forgets every byte written since a file's last
 *   `sync()`, optionally keeping a prefix of the unsynced tail;
 *   `crashProcess()` (kill -9) keeps them all, still unsynced;
 * - `tearNextWrite()` makes one write stop after a chosen byte and throw;
 * - `failReads()` makes reads of matching files throw EIO;
 * - `limitSpace()` makes the disk full past a number of bytes: a write keeps
 *   what fits and throws ENOSPC, as write(2) on a full file system does.
 * Directory operations (create, rename, unlink) are durable at once.
 */
export class MemoryFileSystem implements LogFileSystem {
  private readonly files = new Map<string, Inode>();
  private readonly dirs = new Set<string>(['/']);
  private tornWrite: TornWrite | null = null;
  private readFailure: ((path: string) => boolean) | null = null;
  private capacityBytes: number | null = null;
  /** Counts syncs, so tests can check a flush policy. */
  syncCount = 0;

  open(path: string, options: { create?: boolean } = {}): LogFile {
    let inode = this.files.get(path);
    if (inode === undefined) {
      if (!options.create) throw enoent(path);
      if (!this.dirs.has(parentOf(path))) throw enoent(parentOf(path));
      inode = { data: Buffer.alloc(0), length: 0, durable: Buffer.alloc(0) };
      this.files.set(path, inode);
    }
    return new MemoryLogFile(this, path, inode);
  }
  exists(path: string): boolean {
    return this.files.has(path) || this.dirs.has(path);
  }
  list(dir: string): string[] {
    if (!this.dirs.has(dir)) throw enoent(dir);
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const names = new Set<string>();
    for (const path of [...this.files.keys(), ...this.dirs]) {
      if (path.startsWith(prefix) && path.length > prefix.length) names.add(path.slice(prefix.length).split('/')[0]!);
    }
    return [...names].sort();
  }
  isDirectory(path: string): boolean {
    return this.dirs.has(path);
  }
  mkdir(dir: string): void {
    let path = '';
    for (const part of dir.split('/').filter((p) => p !== '')) {
      path += `/${part}`;
      this.dirs.add(path);
    }
  }
  rename(from: string, to: string): void {
    const inode = this.files.get(from);
    if (inode === undefined) throw enoent(from);
    this.files.delete(from);
    this.files.set(to, inode);
  }
  unlink(path: string): void {
    this.files.delete(path);
  }
  removeDirectory(dir: string): void {
    const prefix = `${dir}/`;
    for (const path of [...this.files.keys()]) if (path.startsWith(prefix)) this.files.delete(path);
    for (const path of [...this.dirs]) if (path === dir || path.startsWith(prefix)) this.dirs.delete(path);
  }
  syncDirectory(): void {
    this.syncCount++;
  }

  /** The next write to a matching file writes `bytesWritten` bytes, then throws. */
  tearNextWrite(fault: TornWrite): void {
    this.tornWrite = fault;
  }
  failReads(matches: ((path: string) => boolean) | null): void {
    this.readFailure = matches;
  }
  /** The disk holds at most `capacityBytes` over all files (null: no limit); lowering it below what is used only refuses growth. */
  limitSpace(capacityBytes: number | null): void {
    this.capacityBytes = capacityBytes;
  }

  /**
   * Power loss: each file goes back to its synced bytes. When `keepUnsyncedBytes`
   * is given, that many bytes of an appended-but-unsynced tail survive too.
   */
  crash(keepUnsyncedBytes: (path: string, unsyncedBytes: number) => number = () => 0): void {
    this.tornWrite = null;
    this.readFailure = null;
    for (const [path, inode] of this.files) {
      const current = inode.data.subarray(0, inode.length);
      const durable = inode.durable;
      const appendedOnly = current.length >= durable.length && current.subarray(0, durable.length).equals(durable);
      const kept = appendedOnly ? Math.min(current.length - durable.length, Math.max(0, keepUnsyncedBytes(path, current.length - durable.length))) : 0;
      const survivor = Buffer.concat([durable, appendedOnly ? current.subarray(durable.length, durable.length + kept) : Buffer.alloc(0)]);
      inode.data = survivor;
      inode.length = survivor.length;
      inode.durable = Buffer.from(survivor);
    }
  }

  /**
   * The process dies (kill -9) but the machine does not: every written byte
   * stays in the page cache, yet only synced bytes are durable against a later
   * power loss. Only the pending faults are cleared.
   */
  crashProcess(): void {
    this.tornWrite = null;
    this.readFailure = null;
  }

  /** A file's current bytes (a copy), for assertions. */
  contents(path: string): Buffer {
    const inode = this.files.get(path);
    if (inode === undefined) throw enoent(path);
    return Buffer.from(inode.data.subarray(0, inode.length));
  }

  /** @internal used by MemoryLogFile */
  takeTornWrite(path: string): TornWrite | null {
    const fault = this.tornWrite;
    if (fault === null || !fault.matches(path)) return null;
    this.tornWrite = null;
    return fault;
  }
  /** Bytes held by all files. */
  usedBytes(): number {
    let used = 0;
    for (const inode of this.files.values()) used += inode.length;
    return used;
  }

  /** @internal used by MemoryLogFile: how many of `bytes` more bytes fit on the disk. */
  room(bytes: number): number {
    if (this.capacityBytes === null) return bytes;
    return Math.max(0, Math.min(bytes, this.capacityBytes - this.usedBytes()));
  }
  /** @internal used by MemoryLogFile */
  readFails(path: string): boolean {
    return this.readFailure !== null && this.readFailure(path);
  }
}

class MemoryLogFile implements LogFile {
  private closed = false;
  constructor(
    private readonly fs: MemoryFileSystem,
    readonly path: string,
    private readonly inode: Inode,
  ) {}

  size(): number {
    this.checkOpen();
    return this.inode.length;
  }
  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    this.checkOpen();
    if (this.fs.readFails(this.path)) throw new SimulatedIoError(`EIO: read ${this.path}`);
    const n = Math.max(0, Math.min(length, this.inode.length - position));
    if (n > 0) this.inode.data.copy(buffer, offset, position, position + n);
    return n;
  }
  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    this.checkOpen();
    const fault = this.fs.takeTornWrite(this.path);
    const wanted = fault === null ? length : Math.min(length, fault.bytesWritten);
    const growth = Math.max(0, position + wanted - this.inode.length);
    const n = Math.max(0, wanted - growth + this.fs.room(growth));
    this.ensureCapacity(position + n);
    Buffer.from(buffer.buffer, buffer.byteOffset + offset, n).copy(this.inode.data, position);
    this.inode.length = Math.max(this.inode.length, position + n);
    if (n < wanted) throw enospc(this.path);
    if (fault !== null) throw new SimulatedIoError(`EIO: torn write of ${this.path} after ${n} bytes`);
  }
  truncate(size: number): void {
    this.checkOpen();
    if (size > this.inode.length && this.fs.room(size - this.inode.length) < size - this.inode.length) throw enospc(this.path);
    this.ensureCapacity(size);
    if (size > this.inode.length) this.inode.data.fill(0, this.inode.length, size);
    this.inode.length = size;
  }
  sync(): void {
    this.checkOpen();
    this.fs.syncCount++;
    this.inode.durable = Buffer.from(this.inode.data.subarray(0, this.inode.length));
  }
  close(): void {
    this.closed = true;
  }

  private ensureCapacity(size: number): void {
    if (size <= this.inode.data.length) return;
    const grown = Buffer.alloc(Math.max(size, this.inode.data.length * 2, 4096));
    this.inode.data.copy(grown, 0, 0, this.inode.length);
    this.inode.data = grown;
  }
  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.path} is closed`);
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory '${path}'`), { code: 'ENOENT' });
}

function enospc(path: string): Error {
  return Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC' });
}

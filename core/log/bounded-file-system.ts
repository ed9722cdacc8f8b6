import type { LogFile, LogFileSystem } from './log-file-system.js';

/**
 * A LogFileSystem that holds at most `maxOpenFiles` descriptors at once for the files opened
 * through it: opening or using one more closes the least recently used, which reopens on its next
 * use. Kafka keeps every segment open and tells operators to raise `ulimit -n`; a node here must
 * never need more descriptors than it has, whatever the number of partitions.
 *
 * Closing a descriptor loses nothing: written pages stay in the page cache, and fdatasync on the
 * reopened descriptor makes them durable. A file renamed through this file system keeps its
 * new path for the reopen.
 *
 * The hot path (a use of the most recently used file) costs one comparison; any other use of an
 * open file moves it to the front of an intrusive list (four pointer updates).
 */
export class BoundedFileSystem implements LogFileSystem {
  /** Most recently used file with a descriptor. */
  head: BoundedFile | null = null;
  /** Least recently used file with a descriptor: the next to be closed. */
  private tail: BoundedFile | null = null;
  private openCount = 0;
  /** Files not closed by their owner, with or without a descriptor (for renames). */
  private readonly live = new Set<BoundedFile>();

  constructor(
    private readonly inner: LogFileSystem,
    readonly maxOpenFiles: number,
  ) {
    if (!(maxOpenFiles >= 1)) throw new Error(`maxOpenFiles must be at least 1, got ${maxOpenFiles}`);
  }

  /** Descriptors held now. */
  get openFiles(): number {
    return this.openCount;
  }

  open(path: string, options?: { create?: boolean }): LogFile {
    this.makeRoom();
    const file = new BoundedFile(this, path, this.inner.open(path, options));
    this.live.add(file);
    this.pushFront(file);
    return file;
  }

  exists(path: string): boolean {
    return this.inner.exists(path);
  }
  list(dir: string): string[] {
    return this.inner.list(dir);
  }
  isDirectory(path: string): boolean {
    return this.inner.isDirectory(path);
  }
  mkdir(dir: string): void {
    this.inner.mkdir(dir);
  }
  rename(from: string, to: string): void {
    this.inner.rename(from, to);
    for (const file of this.live) if (file.path === from) file.path = to;
  }
  unlink(path: string): void {
    this.inner.unlink(path);
  }
  removeDirectory(dir: string): void {
    this.inner.removeDirectory(dir);
  }
  syncDirectory(dir: string): void {
    this.inner.syncDirectory(dir);
  }

  /** A descriptor for a file whose own was closed to make room. */
  reopen(file: BoundedFile): LogFile {
    this.makeRoom();
    const handle = this.inner.open(file.path);
    file.handle = handle;
    this.pushFront(file);
    return handle;
  }

  /** Moves an open file to the front (it is not the head). */
  touch(file: BoundedFile): void {
    this.detach(file);
    this.pushFront(file);
  }

  /** The owner closed the file. */
  closed(file: BoundedFile): void {
    this.live.delete(file);
    if (file.handle === null) return;
    this.detach(file);
    file.handle.close();
    file.handle = null;
  }

  private makeRoom(): void {
    while (this.openCount >= this.maxOpenFiles && this.tail !== null) {
      const victim = this.tail;
      this.detach(victim);
      victim.handle!.close();
      victim.handle = null;
    }
  }

  private pushFront(file: BoundedFile): void {
    file.previous = null;
    file.next = this.head;
    if (this.head !== null) this.head.previous = file;
    this.head = file;
    if (this.tail === null) this.tail = file;
    this.openCount++;
  }

  private detach(file: BoundedFile): void {
    if (file.previous !== null) file.previous.next = file.next;
    else this.head = file.next;
    if (file.next !== null) file.next.previous = file.previous;
    else this.tail = file.previous;
    file.previous = null;
    file.next = null;
    this.openCount--;
  }
}

/** A file of a BoundedFileSystem: its descriptor comes and goes, its path and contents stay. */
class BoundedFile implements LogFile {
  previous: BoundedFile | null = null;
  next: BoundedFile | null = null;
  private closedByOwner = false;

  constructor(
    private readonly owner: BoundedFileSystem,
    public path: string,
    public handle: LogFile | null,
  ) {}

  size(): number {
    return this.use().size();
  }
  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    return this.use().read(buffer, offset, length, position);
  }
  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    this.use().write(buffer, offset, length, position);
  }
  truncate(size: number): void {
    this.use().truncate(size);
  }
  sync(): void {
    this.use().sync();
  }
  close(): void {
    if (this.closedByOwner) return;
    this.closedByOwner = true;
    this.owner.closed(this);
  }

  private use(): LogFile {
    const handle = this.handle;
    if (handle !== null) {
      if (this.owner.head !== this) this.owner.touch(this);
      return handle;
    }
    if (this.closedByOwner) throw new Error(`${this.path} is closed`);
    return this.owner.reopen(this);
  }
}

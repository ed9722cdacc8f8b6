import * as fs from 'node:fs';
import type { LogFile, LogFileSystem } from './log-file-system.js';

class NodeLogFile implements LogFile {
  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  size(): number {
    return fs.fstatSync(this.fd).size;
  }
  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    return fs.readSync(this.fd, buffer, offset, length, position);
  }
  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    let done = 0;
    while (done < length) {
      done += fs.writeSync(this.fd, buffer, offset + done, length - done, position + done);
    }
  }
  truncate(size: number): void {
    fs.ftruncateSync(this.fd, size);
  }
  sync(): void {
    fs.fdatasyncSync(this.fd);
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

/** The production file layer: synchronous `node:fs` calls on the caller's thread. */
export class NodeFileSystem implements LogFileSystem {
  open(path: string, options: { create?: boolean } = {}): LogFile {
    const flags = options.create ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDWR;
    return new NodeLogFile(path, fs.openSync(path, flags, 0o644));
  }
  exists(path: string): boolean {
    return fs.existsSync(path);
  }
  list(dir: string): string[] {
    return fs.readdirSync(dir);
  }
  isDirectory(path: string): boolean {
    return fs.statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  }
  mkdir(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
  }
  rename(from: string, to: string): void {
    fs.renameSync(from, to);
  }
  unlink(path: string): void {
    fs.rmSync(path, { force: true });
  }
  removeDirectory(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  syncDirectory(dir: string): void {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}

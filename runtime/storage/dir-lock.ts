import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { StorageError } from './meta-properties.js';

/**
 * How long to wait for a lock held by another process. A node killed with -9 holds none: its lock
 * goes with its helper process a few milliseconds later, and a restart must not lose that race.
 */
const LOCK_WAIT_SECONDS = 2;
/** flock(1)'s exit code when the lock stays held (its --conflict-exit-code). */
const CONFLICT_EXIT_CODE = 75;

export interface DirLock {
  /** Drops the lock (idempotent). */
  release(): void;
}

/**
 * Kafka's FileLock on `<dir>/<name>`: an exclusive flock(2) that lives exactly as long as this
 * process, so a second node on the same dir is refused while a node killed with -9 leaves nothing
 * behind. Node cannot call flock, so util-linux `flock` holds it for us: it runs `cat` with a pipe
 * from this process as stdin, and when this process dies, however it dies, the pipe closes, `cat`
 * and `flock` exit and the kernel drops the lock. The helper runs in its own process group so a
 * Ctrl-C meant for the node does not release the lock before the node has stopped.
 */
export function lockDir(dir: string, name: string, onLost: (reason: string) => void): Promise<DirLock> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const helper = spawn(
    'flock',
    // --close: only flock itself holds the lock, so the lock lives exactly as long as the helper does.
    ['--exclusive', '--close', '--wait', String(LOCK_WAIT_SECONDS), '--conflict-exit-code', String(CONFLICT_EXIT_CODE), path, 'sh', '-c', 'echo locked && exec cat >/dev/null'],
    { stdio: ['pipe', 'pipe', 'pipe'], detached: true },
  );
  return new Promise((resolve, reject) => {
    let stderr = '';
    helper.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    helper.stdin.on('error', () => {});
    helper.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ENOENT' ? 'the flock command (util-linux) is not installed' : error.message;
      reject(new StorageError(`Failed to acquire lock on ${path}: ${reason}`));
    });
    helper.once('exit', (code) => {
      const reason = code === CONFLICT_EXIT_CODE ? `another process is using ${dir}` : `flock exited with code ${code}: ${stderr.trim()}`;
      reject(new StorageError(`Failed to acquire lock on ${path}: ${reason}`));
    });
    helper.stdout.once('data', () => {
      helper.removeAllListeners('exit');
      helper.stdout.destroy();
      helper.stderr.destroy();
      // Neither the helper nor its pipe keeps this process alive.
      helper.unref();
      (helper.stdin as Socket).unref();
      let held = true;
      // Only a helper killed from outside ends while the lock is held: say so, the dir is unguarded.
      helper.once('exit', (code, signal) => {
        if (held) onLost(`the flock helper (pid ${helper.pid}) holding ${path} exited (${signal ?? `code ${code}`}); ${dir} is no longer locked`);
      });
      resolve({
        release: () => {
          if (!held) return;
          held = false;
          helper.stdin.end();
        },
      });
    });
  });
}

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Logger } from './logger.js';

/** Descriptors kept for everything but segment files and connections: the metadata log, checkpoints and index writes, listeners, threads, lock helpers. */
const RESERVED_DESCRIPTORS = 256;
/** The limit assumed where it cannot be read (not Linux): a common default soft limit. */
const ASSUMED_LIMIT = 1024;

export interface OpenFileLimit {
  readonly soft: number;
  readonly hard: number;
}

/** RLIMIT_NOFILE from /proc/self/limits ("unlimited" reads as Infinity); null where there is no /proc. */
export function readOpenFileLimit(): OpenFileLimit | null {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return null;
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (match === null) return null;
  const parse = (value: string): number => (value === 'unlimited' ? Infinity : Number(value));
  return { soft: parse(match[1]!), hard: parse(match[2]!) };
}

/**
 * Raises the soft RLIMIT_NOFILE to the hard limit, as operators are told to for Kafka. Node has no
 * setrlimit; it already raises the limit itself when it starts on Linux, so this only acts where
 * that did not happen, through util-linux `prlimit` on this process, and gives up quietly where
 * prlimit is missing or not allowed. Returns the limit now in force.
 */
export function raiseOpenFileLimit(log: Logger): OpenFileLimit | null {
  const limit = readOpenFileLimit();
  if (limit === null || limit.soft >= limit.hard) return limit;
  const hard = Number.isFinite(limit.hard) ? String(limit.hard) : 'unlimited';
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${hard}:${hard}`], { stdio: 'ignore', timeout: 5_000 });
  } catch {
    return limit;
  }
  const raised = readOpenFileLimit() ?? limit;
  log.info(`Raised the open-file limit (RLIMIT_NOFILE) from ${limit.soft} to ${raised.soft}`);
  return raised;
}

export interface DescriptorBudget {
  /** The soft open-file limit the budget was made from. */
  readonly limit: number;
  /** Segment files held open at once over all io threads (log.max.open.files). */
  readonly logOpenFiles: number;
  /** max.connections as enforced: the configured value, capped by what the segment files leave. */
  readonly maxConnections: number;
}

/**
 * Splits the open-file limit so that neither segment files nor connections can take the
 * descriptors the other needs: by default half for segment files, the rest (less a reserve) for
 * connections; an explicit log.max.open.files is kept below the limit.
 */
export function descriptorBudget(limit: OpenFileLimit | null, configuredLogOpenFiles: number, configuredMaxConnections: number, log: Logger): DescriptorBudget {
  const soft = Math.min(limit?.soft ?? ASSUMED_LIMIT, 2 ** 31 - 1);
  const usable = Math.max(2, soft - RESERVED_DESCRIPTORS);
  let logOpenFiles = configuredLogOpenFiles === -1 ? Math.floor(usable / 2) : configuredLogOpenFiles;
  if (logOpenFiles >= usable) {
    log.warn(`log.max.open.files=${configuredLogOpenFiles} leaves no descriptors under the open-file limit ${soft}: using ${usable - 1}`);
    logOpenFiles = usable - 1;
  }
  const maxConnections = Math.min(configuredMaxConnections, usable - logOpenFiles);
  log.info(`Open-file limit ${soft}: up to ${logOpenFiles} segment files open at once, up to ${maxConnections} connections`);
  return { limit: soft, logOpenFiles: Math.max(1, logOpenFiles), maxConnections };
}

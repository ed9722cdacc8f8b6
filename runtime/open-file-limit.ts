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

/**
 * RLIMIT_NOFILE from /proc/self/limits ("unlimited" reads as Infinity); null where there is no /proc.
 * Raising the soft limit to the hard one at start-up, as operators are told to for Kafka, needs no
 * code here: the node binary does it itself before any script runs (node.cc, unless an embedder
 * passes kNoAdjustResourceLimits); checked with `prlimit --nofile=1024:20000 node`, which starts at
 * 20000. The budget below is made from the limit in force, and says so when the soft limit is lower.
 */
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
  if (limit !== null && limit.soft < limit.hard) log.warn(`The open-file limit (RLIMIT_NOFILE) is ${limit.soft}, below its hard limit ${limit.hard}: raise it (ulimit -n) for more partitions and connections`);
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

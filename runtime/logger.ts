import { pino, type DestinationStream, type Level, type LevelWithSilent, type Logger as PinoLogger } from 'pino';

/** The broker's log lines, as its parts call it. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, cause?: unknown): void;
}

/** Components with their own level (`log.level.<component>`), named like Kafka's loggers. */
export const logComponents = ['controller', 'raft', 'replica', 'group', 'txn', 'network', 'request'] as const;
export type LogComponent = (typeof logComponents)[number];

/** The node's logger: components, debug lines with fields, levels changeable at run time. */
export interface NodeLogger extends Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Whether a line at `level` would be written (so a caller can skip building it). */
  isLevelEnabled(level: Level): boolean;
  /** This component's logger; its level follows `log.level.<component>`, else `log.level`. */
  child(component: LogComponent): NodeLogger;
  /** Applies `log.level` and `log.level.<component>` (unset: null) without a restart. */
  setLevels(levels: LogLevels): void;
  /** Writes out what is still buffered (before the process exits). */
  flush(): void;
}

export interface LogLevels {
  readonly level: string;
  readonly components: Readonly<Partial<Record<LogComponent, string | null>>>;
}

/** The NodeLogger of a component when `log` is one; other loggers (tests) are used as they are. */
export function forComponent(log: Logger, component: LogComponent): Logger {
  return isNodeLogger(log) ? log.child(component) : log;
}

export function isNodeLogger(log: Logger): log is NodeLogger {
  return typeof (log as Partial<NodeLogger>).child === 'function';
}

export interface NodeLoggerOptions {
  readonly nodeId: number;
  /** json: one JSON object a line; text: readable single lines. */
  readonly format: 'json' | 'text';
  readonly levels: LogLevels;
  /** Where lines go; default: stdout through pino's asynchronous destination. */
  readonly destination?: DestinationStream & { flushSync?(): void };
}

/**
 * The node log on pino: every line carries `nodeId` (and `component` below the root), errors
 * their stack (`err`). Lines leave through an asynchronous SonicBoom, off the request path;
 * `flush()` writes what is left, and pino flushes on normal exit too.
 */
export function createNodeLogger(options: NodeLoggerOptions): NodeLogger {
  const sink = options.destination ?? pino.destination({ dest: 1, sync: false });
  const root = pino(
    {
      level: levelName(options.levels.level),
      base: { pid: process.pid, nodeId: options.nodeId },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.format === 'json' ? sink : textStream(sink),
  );
  const children = new Map<LogComponent, PinoLogger>();
  let levels = options.levels;
  const componentLevel = (component: LogComponent): LevelWithSilent => levelName(levels.components[component] ?? levels.level);
  const flush = (): void => {
    try {
      sink.flushSync?.();
    } catch {
      // stdout is gone (the reader exited): nothing left to save the lines to.
    }
  };

  const wrap = (target: PinoLogger): NodeLogger => ({
    info: (message) => target.info(message),
    warn: (message) => target.warn(message),
    error: (message, cause) => {
      if (cause instanceof Error) target.error({ err: cause }, message);
      else if (cause === undefined) target.error(message);
      else target.error({ cause: String(cause) }, message);
    },
    debug: (message, fields) => (fields === undefined ? target.debug(message) : target.debug(fields, message)),
    isLevelEnabled: (level) => target.isLevelEnabled(level),
    child: (component) => {
      let child = children.get(component);
      if (child === undefined) {
        child = root.child({ component }, { level: componentLevel(component) });
        children.set(component, child);
      }
      return wrap(child);
    },
    setLevels: (next) => {
      levels = next;
      root.level = levelName(next.level);
      for (const [component, child] of children) child.level = componentLevel(component);
    },
    flush,
  });
  return wrap(root);
}

/**
 * Readable lines for a terminal: `[time] LEVEL message (node 1, raft) {fields}`, the stack of
 * an error on the lines after. Text is for people watching a node, so parsing pino's JSON back
 * costs nothing that matters; log shippers get the JSON as it is.
 */
function textStream(sink: DestinationStream): DestinationStream {
  return {
    write(line: string): void {
      const { time, level, msg, nodeId, component, pid: _pid, err, ...fields } = JSON.parse(line) as Record<string, unknown>;
      const where = component === undefined ? `node ${String(nodeId)}` : `node ${String(nodeId)}, ${String(component)}`;
      const extra = Object.keys(fields).length === 0 ? '' : ` ${JSON.stringify(fields)}`;
      const stack = typeof err === 'object' && err !== null ? `\n${String((err as { stack?: unknown }).stack ?? (err as { message?: unknown }).message)}` : '';
      sink.write(`[${String(time)}] ${String(level).toUpperCase()} ${String(msg)} (${where})${extra}${stack}\n`);
    },
  };
}

function levelName(text: string): LevelWithSilent {
  return text.toLowerCase() as LevelWithSilent;
}

/** Keeps lines in memory, for tests that assert what was logged. */
export function createMemoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => void lines.push(`INFO ${message}`),
    warn: (message) => void lines.push(`WARN ${message}`),
    error: (message, cause) => void lines.push(`ERROR ${message}${cause instanceof Error ? `: ${cause.message}` : ''}`),
  };
}

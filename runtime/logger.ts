/** The broker's log lines: `[time] LEVEL message`, info to stdout, warnings and errors to stderr. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, cause?: unknown): void;
}

export function createConsoleLogger(now: () => Date = () => new Date()): Logger {
  const line = (level: string, message: string): string => `[${now().toISOString()}] ${level} ${message}\n`;
  return {
    info: (message) => void process.stdout.write(line('INFO', message)),
    warn: (message) => void process.stderr.write(line('WARN', message)),
    error: (message, cause) => {
      const detail = cause instanceof Error ? `: ${cause.stack ?? cause.message}` : cause === undefined ? '' : `: ${String(cause)}`;
      process.stderr.write(line('ERROR', message + detail));
    },
  };
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

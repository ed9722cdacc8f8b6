import { ConfigError } from '../runtime/config/config-definition.js';
import { ListenError } from '../runtime/network/socket-server.js';
import { StorageError } from '../runtime/storage/meta-properties.js';

/**
 * Runs a command's action: an operator mistake (bad config, unformatted or
 * foreign storage, a port in use) prints one clear line and exits 1; anything else is a bug
 * and keeps its stack trace.
 */
export function runAction<Args extends unknown[]>(action: (...args: Args) => Promise<void> | void) {
  return async (...args: Args): Promise<void> => {
    try {
      await action(...args);
    } catch (error) {
      if (error instanceof ConfigError || error instanceof StorageError || error instanceof ListenError) {
        process.stderr.write(`ERROR ${error.message}\n`);
        process.exitCode = 1;
        return;
      }
      throw error;
    }
  };
}

/** Prints config warnings (unknown keys) the way the broker logs them. */
export function printWarnings(warnings: readonly string[]): void {
  for (const warning of warnings) process.stderr.write(`WARN ${warning}\n`);
}

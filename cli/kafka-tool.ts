import { Option } from 'commander';
import { KafkaClientError } from '../client/client-error.js';
import { KafkaClient } from '../client/kafka-client.js';

/** A mistake in a tool's arguments, printed as one line with exit code 1 (Kafka's tools print their usage error the same way). */
export class ToolUsageError extends Error {
  override readonly name = 'ToolUsageError';
}

/** The `--bootstrap-server` option every client tool takes. */
export function bootstrapServerOption(): Option {
  return new Option('--bootstrap-server <host:port[,host:port]>', 'the broker(s) to connect to').makeOptionMandatory();
}

/** For repeatable options (`--config a=1 --config b=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `key=value` items (also comma-separated lists of them, as `--add-config` takes) as an ordered map; the first `=` splits. */
export function parseKeyValues(items: readonly string[], what: string): Map<string, string> {
  const parsed = new Map<string, string>();
  for (const item of items) {
    const equals = item.indexOf('=');
    if (equals <= 0) throw new ToolUsageError(`Invalid ${what} "${item}": expected key=value`);
    parsed.set(item.slice(0, equals), item.slice(equals + 1));
  }
  return parsed;
}

/** A non-negative (or positive) integer option value, refused with the option's name otherwise. */
export function parseInteger(value: string, option: string, { min = 0 } = {}): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(number) || number < min) {
    throw new ToolUsageError(`Invalid value "${value}" for ${option}: expected an integer >= ${min}`);
  }
  return number;
}

/**
 * Runs a tool with a client on `--bootstrap-server`: broker errors and usage
 * mistakes print `Error: …` on stderr and exit 1; the client is closed after.
 */
export function clientAction<Options extends { bootstrapServer: string }>(
  action: (client: KafkaClient, options: Options) => Promise<void>,
  clientId = 'freshet-tool',
) {
  return async (options: Options): Promise<void> => {
    let client: KafkaClient | undefined;
    try {
      client = new KafkaClient({ bootstrapServers: options.bootstrapServer, clientId, retries: 10 });
      await action(client, options);
    } catch (error) {
      printToolError(error);
    } finally {
      client?.close();
    }
  };
}

/** Broker errors and usage mistakes print `Error: …` on stderr and exit 1; anything else is a bug and is thrown on. */
export function printToolError(error: unknown): void {
  if (error instanceof KafkaClientError || error instanceof ToolUsageError) {
    process.stderr.write(`Error: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  throw error;
}

/** Left-aligned columns, each as wide as its widest cell plus one space, as Kafka's group tool prints them. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]! + 1)))
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

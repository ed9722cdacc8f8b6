import type { BrokerConfig } from './config/broker-config.js';
import { effectiveBrokerConfig } from './config/dynamic-broker-config.js';
import type { ClusterMetadata } from './controller/cluster-metadata.js';
import { logComponents, type LogComponent, type LogLevels, type NodeLogger } from './logger.js';

/** `log.level` and `log.level.<component>` of a config. */
export function logLevels(config: BrokerConfig): LogLevels {
  const components: Partial<Record<LogComponent, string | null>> = {};
  for (const component of logComponents) components[component] = config.texts[`log.level.${component}`]?.toLowerCase() ?? null;
  return { level: config.texts['log.level']?.toLowerCase() ?? 'info', components };
}

/** `log.format`, else text on a terminal and JSON lines otherwise (a file, a pipe, a log shipper). */
export function logFormat(config: BrokerConfig, stdoutIsTerminal = process.stdout.isTTY === true): 'json' | 'text' {
  const format = config.values['log.format'];
  return format === 'json' || format === 'text' ? format : stdoutIsTerminal ? 'text' : 'json';
}

/** Applies the log levels of the dynamic broker configs as the metadata log changes them; returns the unsubscribe. */
export function followLogLevels(log: NodeLogger, config: BrokerConfig, metadata: ClusterMetadata): () => void {
  let applied = JSON.stringify(logLevels(config));
  const apply = (): void => {
    const levels = logLevels(effectiveBrokerConfig(config, metadata.image()));
    const key = JSON.stringify(levels);
    if (key === applied) return;
    applied = key;
    log.setLevels(levels);
    log.info(`Log levels now ${key}`);
  };
  apply();
  return metadata.onChange(apply);
}

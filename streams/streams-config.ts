import { resolveSerde, type Serde } from './serdes.js';

// Kafka Streams' configuration keys (StreamsConfig) that this part of the
// library reads; the runtime keys (bootstrap.servers, processing.guarantee, …)
// come with the runtime on the client.
export const StreamsConfig = {
  APPLICATION_ID_CONFIG: 'application.id',
  BOOTSTRAP_SERVERS_CONFIG: 'bootstrap.servers',
  DEFAULT_KEY_SERDE_CLASS_CONFIG: 'default.key.serde',
  DEFAULT_VALUE_SERDE_CLASS_CONFIG: 'default.value.serde',
} as const;

export type StreamsProperties = { readonly [key: string]: unknown };

export interface ResolvedStreamsConfig {
  readonly applicationId: string;
  readonly defaultKeySerde: Serde<unknown> | undefined;
  readonly defaultValueSerde: Serde<unknown> | undefined;
}

export function resolveStreamsConfig(props: StreamsProperties): ResolvedStreamsConfig {
  const applicationId = props[StreamsConfig.APPLICATION_ID_CONFIG];
  if (typeof applicationId !== 'string' || applicationId === '') {
    throw new Error(`${StreamsConfig.APPLICATION_ID_CONFIG} is required`);
  }
  return {
    applicationId,
    defaultKeySerde: resolveSerde(props[StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG], StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG),
    defaultValueSerde: resolveSerde(props[StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG], StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG),
  };
}

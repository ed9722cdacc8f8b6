import type { ConfigRules } from '../../core/raft/controller/config-control.js';
import { brokerConfigDefinitions } from '../config/broker-config-definitions.js';
import { dynamicBrokerConfigProblem } from '../config/dynamic-broker-config.js';
import { ConfigValueType, topicConfigDefinition, topicConfigProblem } from './topic-config-definitions.js';

/** Kafka's topic and broker config tables, as the controller checks IncrementalAlterConfigs against them. */
export const kafkaConfigRules: ConfigRules = {
  topicConfigIsList: (name) => {
    const definition = topicConfigDefinition(name);
    return definition === undefined ? undefined : definition.type === ConfigValueType.list;
  },
  topicConfigProblem,
  brokerConfigIsList: (name) => brokerConfigDefinitions.some((d) => d.key === name && d.type === 'list'),
  dynamicBrokerConfigProblem,
};

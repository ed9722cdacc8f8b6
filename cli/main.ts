import { Command } from 'commander';
import { aclsCommand } from './acls-command.js';
import { configsCommand } from './configs-command.js';
import { consoleConsumerCommand } from './console-consumer-command.js';
import { consoleProducerCommand } from './console-producer-command.js';
import { producerPerfTestCommand } from './producer-perf-test-command.js';
import { consumerGroupsCommand } from './consumer-groups-command.js';
import { consumerPerfTestCommand } from './consumer-perf-test-command.js';
import { devClusterCommand } from './dev-cluster-command.js';
import { getOffsetsCommand } from './get-offsets-command.js';
import { leaderElectionCommand } from './leader-election-command.js';
import { metadataQuorumCommand } from './metadata-quorum-command.js';
import { reassignPartitionsCommand } from './reassign-partitions-command.js';
import { serverStartCommand } from './server-start-command.js';
import { storageCommand } from './storage-command.js';
import { topicsCommand } from './topics-command.js';
import { transactionsCommand } from './transactions-command.js';

/** The `freshet` command line: Kafka's tools under one name. */
const program = new Command('freshet')
  .description('Freshet: a Kafka-compatible streaming broker for Node.js')
  .showHelpAfterError()
  .addCommand(storageCommand())
  .addCommand(serverStartCommand())
  .addCommand(topicsCommand())
  .addCommand(consoleProducerCommand())
  .addCommand(consoleConsumerCommand())
  .addCommand(configsCommand())
  .addCommand(getOffsetsCommand())
  .addCommand(consumerGroupsCommand())
  .addCommand(metadataQuorumCommand())
  .addCommand(transactionsCommand())
  .addCommand(devClusterCommand())
  .addCommand(leaderElectionCommand())
  .addCommand(reassignPartitionsCommand())
  .addCommand(aclsCommand())
  .addCommand(consumerPerfTestCommand())
  .addCommand(producerPerfTestCommand());

await program.parseAsync(process.argv);

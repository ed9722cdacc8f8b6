import { Command } from 'commander';
import { readBrokerConfigFile } from '../runtime/config/broker-config.js';
import { randomKafkaUuid } from '../runtime/storage/kafka-uuid.js';
import { formatStorage } from '../runtime/storage/storage-format.js';
import { printWarnings, runAction } from './run-action.js';
import { addScramRecord } from './configs-scram.js';
import { collect } from './kafka-tool.js';

/** `freshet storage`, as Kafka's kafka-storage tool. */
export function storageCommand(): Command {
  const storage = new Command('storage').description('Prepare log directories (like kafka-storage)');

  storage
    .command('random-uuid')
    .description('Print a new cluster id (a Kafka Uuid: 22 base64url characters)')
    .action(() => {
      process.stdout.write(`${randomKafkaUuid()}\n`);
    });

  storage
    .command('format')
    .description('Write meta.properties (cluster.id, node.id, directory.id) into every log dir of the config')
    .requiredOption('-t, --cluster-id <uuid>', 'the cluster id, from `freshet storage random-uuid`')
    .requiredOption('-c, --config <server.properties>', 'the node configuration')
    .option('-g, --ignore-formatted', 'skip log dirs that are already formatted instead of failing', false)
    .option('-S, --add-scram <SCRAM-SHA-256=[name=alice,password=alice-secret]>', 'a SCRAM credential the new cluster starts with (repeatable)', collect, [])
    .action(
      runAction((options: { clusterId: string; config: string; ignoreFormatted: boolean; addScram: string[] }) => {
        const { config, warnings } = readBrokerConfigFile(options.config);
        printWarnings(warnings);
        const { formatted, skipped } = formatStorage(config, {
          clusterId: options.clusterId,
          ignoreFormatted: options.ignoreFormatted,
          bootstrapRecords: options.addScram.map(addScramRecord),
        });
        for (const dir of skipped) process.stdout.write(`Skipping already formatted ${dir}\n`);
        for (const dir of formatted) process.stdout.write(`Formatting ${dir} with cluster.id ${options.clusterId}\n`);
      }),
    );

  return storage;
}

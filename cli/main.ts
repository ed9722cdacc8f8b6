import { Command } from 'commander';
import { serverStartCommand } from './server-start-command.js';
import { storageCommand } from './storage-command.js';

/** The `freshet` command line: Kafka's tools under one name. */
const program = new Command('freshet')
  .description('Freshet: a Kafka-compatible streaming broker for Node.js')
  .showHelpAfterError()
  .addCommand(storageCommand())
  .addCommand(serverStartCommand());

await program.parseAsync(process.argv);

/** Names in a log dir, as Kafka writes them (the partition dirs and the three offset checkpoints beside them). */

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';

/** Kafka's legal topic names: [a-zA-Z0-9._-], 1 to 249 characters. */
function isValidTopic(topic: string): boolean {
  return /^[a-zA-Z0-9._-]{1,249}$/.test(topic) && topic !== '.' && topic !== '..';
}

/** `<topic>-<partition>`, split at the last dash since topics may contain dashes. */
export function parsePartitionDir(name: string): { topic: string; partition: number } | null {
  const match = /^(.+)-(\d+)$/.exec(name);
  if (match === null || !isValidTopic(match[1]!)) return null;
  return { topic: match[1]!, partition: Number(match[2]) };
}

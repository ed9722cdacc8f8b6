/** Topics the broker itself writes; clients read them but may not produce to them. */
const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);

/** Kafka lets only its own admin client id append to internal topics. */
export const ADMIN_CLIENT_ID = '__admin_client';

export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name);
}

import type { Consumer } from 'kafkajs';

/**
 * Subscribes a kafkajs consumer to `topic` from the beginning and resolves once it has read
 * `count` values. The consumer keeps running, and the returned array keeps growing with anything
 * it reads after that, so a caller can also check that nothing more arrives.
 */
export async function readValues(consumer: Consumer, topic: string, count: number): Promise<string[]> {
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value!.toString());
        if (values.length === count) resolve();
      },
    });
  });
  return values;
}

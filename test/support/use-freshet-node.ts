import { afterAll, beforeAll } from 'vitest';
import { startFreshetNode, type FreshetNode, type FreshetNodeOptions } from './freshet-node.js';

/** One node for the enclosing describe: started before its tests, destroyed after; call the result for it. */
export function useFreshetNode(options: FreshetNodeOptions = {}): () => FreshetNode {
  let node: FreshetNode | undefined;
  beforeAll(async () => {
    node = await startFreshetNode(options);
  }, 60_000);
  afterAll(async () => {
    await node?.destroy();
  });
  return () => {
    if (node === undefined) throw new Error('the Freshet node did not start');
    return node;
  };
}

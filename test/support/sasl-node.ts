import { startFreshetNode, type FreshetNode } from './freshet-node.js';
import type { Properties } from '../../cli/testing/single-node-properties.js';

/** A node (see startFreshetNode) with a SASL_PLAINTEXT listener beside PLAINTEXT, configured by `properties`. */
export async function startSaslNode(properties: Properties, formatArgs?: readonly string[]): Promise<{ node: FreshetNode; saslPort: number }> {
  const node = await startFreshetNode({ extraListeners: { SASL_PLAINTEXT: 'SASL_PLAINTEXT' }, properties, ...(formatArgs === undefined ? {} : { formatArgs }) });
  return { node, saslPort: node.listenerPorts['SASL_PLAINTEXT']! };
}

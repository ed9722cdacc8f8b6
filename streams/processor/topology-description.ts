import type { TopologyNode } from './topology.js';

export interface SubtopologyDescription {
  readonly id: number;
  /** Node names, in the order Kafka prints them. */
  readonly nodes: readonly string[];
}

export interface TopologyDescription {
  readonly subtopologies: readonly SubtopologyDescription[];
  toString(): string;
}

/**
 * Sub-topologies are the connected components of the graph, where a shared
 * state store connects its processors too. They are numbered by their first
 * node in insertion order, and their nodes listed by the size of the sub-graph
 * they feed (largest first), then by name — Kafka's TopologyDescription order,
 * so the text matches what Kafka Streams prints for the same topology.
 */
export function describeTopology(nodes: readonly TopologyNode[]): TopologyDescription {
  const groups = connectedComponents(nodes);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const children = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
  for (const node of nodes) if (node.kind !== 'source') for (const p of node.parents) children.get(p)?.push(node.name);

  const sizes = new Map<string, number>();
  // Kafka counts paths, not distinct nodes: a node reached twice counts twice.
  const size = (name: string): number => {
    let known = sizes.get(name);
    if (known === undefined) {
      known = 1 + (children.get(name) ?? []).reduce((sum, child) => sum + size(child), 0);
      sizes.set(name, known);
    }
    return known;
  };
  const order = (a: string, b: string): number => size(b) - size(a) || (a < b ? -1 : a > b ? 1 : 0);
  const list = (names: readonly string[]): string => (names.length === 0 ? 'none' : [...names].sort(order).join(', '));

  const subtopologies = groups.map((members, id) => ({ id, nodes: [...members].sort(order) }));
  const line = (name: string): string => {
    const node = byName.get(name)!;
    switch (node.kind) {
      case 'source':
        return `Source: ${name} (topics: [${node.topics.join(', ')}])\n      --> ${list(children.get(name)!)}`;
      case 'processor':
        return `Processor: ${name} (stores: [${node.stores.join(', ')}])\n      --> ${list(children.get(name)!)}\n      <-- ${list(node.parents)}`;
      case 'sink':
        return `Sink: ${name} (topic: ${node.topic})\n      <-- ${list(node.parents)}`;
    }
  };
  const text = `Topologies:\n ${subtopologies
    .map((s) => `  Sub-topology: ${s.id}\n${s.nodes.map((n) => `    ${line(n)}\n`).join('')}\n`)
    .join('')}`;
  return { subtopologies, toString: () => text };
}

/** Union-find over parent links and shared stores; components in order of their first node. */
export function connectedComponents(nodes: readonly TopologyNode[]): string[][] {
  const root = new Map<string, string>(nodes.map((n) => [n.name, n.name]));
  const find = (name: string): string => {
    let r = name;
    while (root.get(r) !== r) r = root.get(r)!;
    root.set(name, r);
    return r;
  };
  const unite = (a: string, b: string): void => {
    root.set(find(a), find(b));
  };
  const storeUser = new Map<string, string>();
  for (const node of nodes) {
    if (node.kind !== 'source') for (const p of node.parents) unite(node.name, p);
    if (node.kind === 'processor') {
      for (const store of node.stores) {
        const user = storeUser.get(store);
        if (user === undefined) storeUser.set(store, node.name);
        else unite(user, node.name);
      }
    }
  }
  const groups = new Map<string, string[]>();
  for (const node of nodes) {
    const r = find(node.name);
    const group = groups.get(r) ?? [];
    group.push(node.name);
    groups.set(r, group);
  }
  return [...groups.values()];
}

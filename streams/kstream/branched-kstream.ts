import { stateless } from './stateless-processor.js';
import { KStream } from './kstream.js';

export interface Branched<K, V> {
  /** Suffix of the branch's name (default: its 1-based index, 0 for the default branch). */
  readonly name?: string;
  /** Builds on the branch; the stream it returns is what the result map holds for this branch. */
  readonly chain?: (branch: KStream<K, V>) => KStream<K, V> | void;
}

/**
 * Kafka Streams' BranchedKStream: one splitter processor forwards each record
 * to the first branch whose predicate matches, or to the default branch.
 */
export class BranchedKStream<K, V> {
  readonly #predicates: Array<(key: K, value: V) => boolean> = [];
  readonly #children: string[] = [];
  readonly #branches = new Map<string, KStream<K, V>>();

  constructor(
    private readonly source: KStream<K, V>,
    private readonly splitterName: string,
  ) {
    const predicates = this.#predicates;
    const children = this.#children;
    source.builder.topology.addProcessor(
      splitterName,
      stateless<K, V, K, V>((r, forward) => {
        const index = predicates.findIndex((p) => p(r.key, r.value));
        // Only a default branch (added last) has no predicate.
        const child = index >= 0 ? children[index] : children.length > predicates.length ? children[children.length - 1] : undefined;
        if (child !== undefined) forward(r, child);
      }),
      source.name,
    );
  }

  branch(predicate: (key: K, value: V) => boolean, branched: Branched<K, V> = {}): this {
    this.#predicates.push(predicate);
    this.#create(branched, this.#predicates.length);
    return this;
  }

  defaultBranch(branched: Branched<K, V> = {}): Map<string, KStream<K, V>> {
    this.#create(branched, 0);
    return this.#branches;
  }

  noDefaultBranch(): Map<string, KStream<K, V>> {
    return this.#branches;
  }

  #create(branched: Branched<K, V>, index: number): void {
    const childName = this.splitterName + (branched.name ?? String(index));
    this.#children.push(childName);
    // Kafka burns a generated name per branch; keep the counter in step.
    this.source.builder.newProcessorName(childName);
    this.source.builder.topology.addProcessor(childName, stateless<K, V, K, V>((r, forward) => forward(r)), this.splitterName);
    const branch = new KStream<K, V>(this.source.builder, childName, this.source.repartitionRequired, this.source.keySerde, this.source.valueSerde);
    if (branched.chain === undefined) this.#branches.set(childName, branch);
    else {
      const result = branched.chain(branch);
      if (result) this.#branches.set(childName, result);
    }
  }
}

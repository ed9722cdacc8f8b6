import type { SeededRandom } from '../../actors/seeded-random.js';
import type { RaftMessage } from '../raft-messages.js';

/** Knobs of the packet simulator; the simulation turns them during the fault phase. */
export interface NetworkFaults {
  lossRate: number;
  duplicateRate: number;
  /** Largest extra delay, in simulation steps; delays differ per message, so messages reorder. */
  maxDelaySteps: number;
}

export const calmNetwork: NetworkFaults = { lossRate: 0, duplicateRate: 0, maxDelaySteps: 1 };

interface InFlight {
  readonly deliverAtStep: number;
  readonly message: RaftMessage;
}

/**
 * A packet simulator: delay, reordering, loss, duplication, and partitions given as directed
 * links (so a partition can be asymmetric). A cut link drops what crosses it at delivery time.
 */
export class SimulatedNetwork {
  faults: NetworkFaults = { ...calmNetwork };
  private inFlight: InFlight[] = [];
  private readonly cutLinks = new Set<string>();

  constructor(private readonly random: SeededRandom) {}

  send(message: RaftMessage, nowStep: number): void {
    if (this.random.chance(this.faults.lossRate)) return;
    const copies = this.random.chance(this.faults.duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.inFlight.push({ deliverAtStep: nowStep + 1 + this.random.int(this.faults.maxDelaySteps + 1), message });
    }
  }

  /** Messages due at this step, in a shuffled order, minus those crossing a cut link. */
  due(nowStep: number): RaftMessage[] {
    const due: RaftMessage[] = [];
    const later: InFlight[] = [];
    for (const item of this.inFlight) {
      if (item.deliverAtStep <= nowStep) due.push(item.message);
      else later.push(item);
    }
    this.inFlight = later;
    return this.random.shuffle(due.filter((m) => !this.cutLinks.has(link(m.from, m.to))));
  }

  /** A process that dies takes its connections along: nothing in flight to or from it arrives. */
  dropConnections(nodeId: number): void {
    this.inFlight = this.inFlight.filter((item) => item.message.from !== nodeId && item.message.to !== nodeId);
  }

  cut(from: number, to: number): void {
    this.cutLinks.add(link(from, to));
  }

  /** Splits the nodes into groups that cannot talk to each other (both directions). */
  partition(groups: readonly (readonly number[])[]): void {
    for (const a of groups) for (const b of groups) if (a !== b) for (const x of a) for (const y of b) this.cut(x, y);
  }

  heal(): void {
    this.cutLinks.clear();
  }

  get isPartitioned(): boolean {
    return this.cutLinks.size > 0;
  }

  get inFlightCount(): number {
    return this.inFlight.length;
  }
}

function link(from: number, to: number): string {
  return `${from}>${to}`;
}

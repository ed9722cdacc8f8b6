import { describe, expect, it } from 'vitest';
import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import { MetadataImage } from '../metadata/metadata-image.js';
import { encodeMetadataRecords } from '../metadata/metadata-record.js';
import { RaftNode } from '../raft-node.js';
import { InvariantChecker } from './invariant-checker.js';
import { runSimulation } from './raft-simulation.js';

describe('raft deterministic simulation', () => {
  it('keeps every invariant and makes progress after faults, for 500 seeds of 3 and 5 voters with observers', () => {
    const failures: string[] = [];
    let committed = 0;
    let elections = 0;
    let snapshotInstalls = 0;
    let piecedSnapshotInstalls = 0;
    let truncations = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const result = runSimulation({ seed, voterCount: seed % 2 === 0 ? 3 : 5, observerCount: seed % 3, faultSteps: 300, livenessBoundSteps: 400 });
      if (!result.ok) failures.push(`seed ${seed}: ${result.failure} (replay: npm run sim -- --seed ${seed})`);
      committed += result.committedOffset;
      elections += result.maxEpoch;
      snapshotInstalls += result.snapshotInstalls;
      piecedSnapshotInstalls += result.piecedSnapshotInstalls;
      truncations += result.truncations;
    }
    expect(failures).toEqual([]);
    // The runs must exercise something: many commits and many leader changes overall.
    expect(committed).toBeGreaterThan(500 * 10);
    expect(elections).toBeGreaterThan(500 * 2);
    expect(snapshotInstalls).toBeGreaterThan(100);
    expect(piecedSnapshotInstalls).toBeGreaterThan(50);
    expect(truncations).toBeGreaterThan(100);
  });

  it('is reproducible from its seed', () => {
    const options = { seed: 42, voterCount: 5, observerCount: 1, faultSteps: 200, livenessBoundSteps: 400 } as const;
    expect(runSimulation(options)).toEqual(runSimulation(options));
  });
});

describe('InvariantChecker', () => {
  const single = (nodeId: number): RaftNode => {
    const node = new RaftNode({ nodeId, voters: [nodeId], electionTimeoutTicks: 1, fetchTimeoutTicks: 1, requestTimeoutTicks: 1, maxFetchEntries: 1, maxSnapshotFetchBytes: 1, random: () => 0 }, { quorumState: undefined, snapshotId: undefined, entries: [] });
    node.campaign();
    return node;
  };
  const settle = (node: RaftNode): void => {
    while (node.hasReady()) node.advance(node.ready());
  };
  const view = (raft: RaftNode) => ({ id: raft.nodeId, raft, image: new MetadataImage(), appliedOffset: 0 });

  it('reports two leaders in one epoch', () => {
    const checker = new InvariantChecker();
    checker.checkNode(view(single(1)));
    expect(() => checker.checkNode(view(single(2)))).toThrow(/two leaders in epoch 1/);
  });

  it('reports a committed entry that changed', () => {
    const checker = new InvariantChecker();
    const a = single(1);
    a.propose(encodeMetadataRecords([{ type: MetadataRecordType.NoOpRecord, value: {} }]));
    settle(a);
    checker.checkNode(view(a));
    const b = single(1);
    b.propose(encodeMetadataRecords([{ type: MetadataRecordType.FeatureLevelRecord, value: { name: 'metadata.version', featureLevel: 1 } }]));
    settle(b);
    checker.restarted(1);
    expect(() => checker.checkNode(view(b))).toThrow(/different entry at committed offset 1/);
  });
});

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../core/log/node-file-system.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { decodeMetadataRecord, decodeMetadataRecords, encodeMetadataRecord, encodeMetadataRecords, type MetadataRecord } from '../../core/raft/metadata/metadata-record.js';
import type { Entry, Snapshot } from '../../core/raft/raft-log.js';
import { RaftRole } from '../../core/raft/raft-node.js';
import { createBeginQuorumEpochHandler } from '../handlers/begin-quorum-epoch.js';
import { createControllerFetchHandler } from '../handlers/controller-fetch.js';
import { createEndQuorumEpochHandler } from '../handlers/end-quorum-epoch.js';
import { createFetchSnapshotHandler } from '../handlers/fetch-snapshot.js';
import { HandlerRegistry } from '../handlers/registry.js';
import { createVoteHandler } from '../handlers/vote.js';
import { createMemoryLogger } from '../logger.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { RequestDispatcher } from '../network/request-dispatcher.js';
import { SocketServer } from '../network/socket-server.js';
import { MetadataLogStorage } from './metadata-log-storage.js';
import { RaftDriver, type RaftStateMachine } from './raft-driver.js';

const record = (name: string): MetadataRecord => ({ type: MetadataRecordType.TopicRecord, value: { name, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' } });
const nameOf = (r: MetadataRecord): string => (r.type === MetadataRecordType.TopicRecord ? r.value.name : '?');

class Recorder implements RaftStateMachine {
  values: string[] = [];
  snapshotsLoaded = 0;
  loadSnapshot(snapshot: Snapshot): void {
    this.snapshotsLoaded++;
    this.values = decodeMetadataRecords(snapshot.data).map(nameOf);
  }
  applyCommitted(entries: readonly Entry[]): void {
    for (const entry of entries) this.values.push(nameOf(decodeMetadataRecord(entry.data)));
  }
  snapshotData(): Uint8Array {
    return encodeMetadataRecords(this.values.map(record));
  }
}

interface Member {
  readonly id: number;
  readonly dir: string;
  readonly server: SocketServer;
  driver: RaftDriver | null;
  recorder: Recorder;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Three Raft drivers in one process, talking KRaft's APIs over real loopback sockets. */
describe('three RaftDrivers over the controller listener protocol', () => {
  const members: Member[] = [];
  afterEach(async () => {
    for (const m of members.splice(0)) {
      m.driver?.stop();
      await m.server.close();
      rmSync(m.dir, { recursive: true, force: true });
    }
  });

  async function listen(id: number): Promise<Member> {
    const member: Member = { id, dir: mkdtempSync(join(tmpdir(), `freshet-raft-${id}-`)), server: null as never, driver: null, recorder: new Recorder() };
    const driver = (): RaftDriver => {
      if (member.driver === null) throw new Error(`node ${id} is not running`);
      return member.driver;
    };
    const proxy = { handleInbound: (apiKey: number, request: unknown, clientId: string | null) => driver().handleInbound(apiKey, request, clientId) } as RaftDriver;
    const registry = new HandlerRegistry();
    registry.register(createVoteHandler(proxy)).register(createBeginQuorumEpochHandler(proxy)).register(createEndQuorumEpochHandler(proxy)).register(createControllerFetchHandler(proxy)).register(createFetchSnapshotHandler(proxy));
    const metrics = new BrokerMetrics({ processMetrics: false });
    const log = createMemoryLogger();
    (member as { server: SocketServer }).server = await SocketServer.start({
      endpoints: [{ listenerName: 'CONTROLLER', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
      dispatcher: new RequestDispatcher(registry, metrics),
      limits: { maxFrameBytes: 1 << 24, idleTimeoutMs: -1, maxInFlightRequests: 100, maxInFlightBytes: 1 << 26 },
      metrics,
      log,
    });
    members.push(member);
    return member;
  }

  function run(member: Member, snapshotIntervalEntries: number): void {
    const voters = members.map((m) => ({ id: m.id, host: '127.0.0.1', port: m.server.endpoints[0]!.port }));
    const storage = MetadataLogStorage.open({ fs: new NodeFileSystem(), metadataLogDir: member.dir, voters: voters.map((v) => v.id), nowMs: Date.now });
    member.driver = new RaftDriver({ nodeId: member.id, clusterId: 'c', voters, storage, stateMachine: member.recorder, log: createMemoryLogger(), electionTimeoutMs: 300, fetchTimeoutMs: 600, requestTimeoutMs: 1000, retryBackoffMs: 20, snapshotIntervalEntries });
    member.driver.start();
  }

  it('elects a leader, replicates, and brings a late voter up to date with a snapshot (FetchSnapshot)', async () => {
    const [a, b, c] = [await listen(1), await listen(2), await listen(3)];
    run(a, 10);
    run(b, 10);
    await until(() => [a, b].some((m) => m.driver!.status().role === RaftRole.leader));
    const leader = [a, b].find((m) => m.driver!.status().role === RaftRole.leader)!;
    const names = Array.from({ length: 30 }, (_, i) => `t${i}`);
    for (let i = 0; i < names.length; i += 5) await leader.driver!.propose(names.slice(i, i + 5).map((n) => encodeMetadataRecord(record(n))));
    expect(leader.recorder.values).toEqual(names);
    // The leader compacted its log behind a checkpoint: a fresh voter cannot be sent entries from offset 0.
    expect(leader.driver!.status().logStartOffset).toBeGreaterThan(0);
    expect(readdirSync(join(leader.dir, '__cluster_metadata-0')).some((f) => f.endsWith('.checkpoint'))).toBe(true);

    run(c, 10);
    await until(() => c.recorder.values.length === names.length);
    expect(c.recorder.snapshotsLoaded).toBe(1);
    expect(c.recorder.values).toEqual(names);
    expect(c.driver!.status()).toMatchObject({ role: RaftRole.follower, leaderId: leader.id });
    // And it keeps following after the snapshot.
    await leader.driver!.propose([encodeMetadataRecord(record('after'))]);
    await until(() => c.recorder.values.at(-1) === 'after');
  }, 30_000);
});

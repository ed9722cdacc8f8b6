import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../core/log/node-file-system.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { FetchSnapshotResponse, FetchSnapshotResponsePartitionSnapshot } from '../../core/protocol/generated/messages/fetch-snapshot.js';
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

const FETCH_SNAPSHOT_MAX_BYTES = 64;

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
  /** What this node's FetchSnapshot handler answered, piece by piece. */
  readonly snapshotPiecesServed: FetchSnapshotResponsePartitionSnapshot[];
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
    const member: Member = { id, dir: mkdtempSync(join(tmpdir(), `freshet-raft-${id}-`)), server: null as never, driver: null, recorder: new Recorder(), snapshotPiecesServed: [] };
    const driver = (): RaftDriver => {
      if (member.driver === null) throw new Error(`node ${id} is not running`);
      return member.driver;
    };
    const handleInbound = async (apiKey: number, request: unknown, clientId: string | null): Promise<unknown> => {
      const response = await driver().handleInbound(apiKey, request, clientId);
      if (apiKey === ApiKey.FetchSnapshot) member.snapshotPiecesServed.push((response as FetchSnapshotResponse).topics[0]!.partitions[0]!);
      return response;
    };
    const proxy = { handleInbound } as RaftDriver;
    const registry = new HandlerRegistry();
    registry.register(createVoteHandler(proxy)).register(createBeginQuorumEpochHandler(proxy)).register(createEndQuorumEpochHandler(proxy)).register(createControllerFetchHandler(proxy)).register(createFetchSnapshotHandler(proxy));
    const metrics = new BrokerMetrics({ processMetrics: false });
    const log = createMemoryLogger();
    (member as { server: SocketServer }).server = await SocketServer.start({
      endpoints: [{ listenerName: 'CONTROLLER', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
      dispatcher: new RequestDispatcher(registry, metrics, log),
      limits: { maxFrameBytes: 1 << 24, idleTimeoutMs: -1, maxInFlightRequests: 100, maxInFlightBytes: 1 << 26 },
      metrics,
      log,
    });
    members.push(member);
    return member;
  }

  const checkpoints = (member: Member): string[] => readdirSync(join(member.dir, '__cluster_metadata-0')).filter((f) => f.endsWith('.checkpoint'));

  function run(member: Member, snapshotMaxNewRecordBytes: number, snapshotFetchMaxBytes: number): void {
    const voters = members.map((m) => ({ id: m.id, host: '127.0.0.1', port: m.server.endpoints[0]!.port }));
    const storage = MetadataLogStorage.open({ fs: new NodeFileSystem(), metadataLogDir: member.dir, voters: voters.map((v) => v.id), nowMs: Date.now });
    member.driver = new RaftDriver({ nodeId: member.id, clusterId: 'c', voters, storage, stateMachine: member.recorder, log: createMemoryLogger(), electionTimeoutMs: 300, fetchTimeoutMs: 600, requestTimeoutMs: 1000, retryBackoffMs: 20, snapshotMaxNewRecordBytes, snapshotMaxIntervalMs: 0, snapshotFetchMaxBytes });
    member.driver.start();
  }

  it('elects a leader, replicates, and brings a late voter up to date with a snapshot fetched in pieces (FetchSnapshot)', async () => {
    const [a, b, c] = [await listen(1), await listen(2), await listen(3)];
    run(a, 200, FETCH_SNAPSHOT_MAX_BYTES);
    run(b, 200, FETCH_SNAPSHOT_MAX_BYTES);
    await until(() => [a, b].some((m) => m.driver!.status().role === RaftRole.leader));
    const leader = [a, b].find((m) => m.driver!.status().role === RaftRole.leader)!;
    const names = Array.from({ length: 30 }, (_, i) => `t${i}`);
    for (let i = 0; i < names.length; i += 5) await leader.driver!.propose(names.slice(i, i + 5).map((n) => encodeMetadataRecord(record(n))));
    expect(leader.recorder.values).toEqual(names);
    // The leader compacted its log behind a checkpoint: a fresh voter cannot be sent entries from offset 0.
    expect(leader.driver!.status().logStartOffset).toBeGreaterThan(0);
    expect(checkpoints(leader).length).toBeGreaterThan(0);

    run(c, 200, FETCH_SNAPSHOT_MAX_BYTES);
    await until(() => c.recorder.values.length === names.length);
    expect(c.recorder.snapshotsLoaded).toBe(1);
    expect(c.recorder.values).toEqual(names);
    // The leader's checkpoint file arrived byte for byte, in pieces of at most MaxBytes at consecutive positions.
    const installed = checkpoints(c);
    expect(installed).toHaveLength(1);
    const file = readFileSync(join(leader.dir, '__cluster_metadata-0', installed[0]!));
    expect(readFileSync(join(c.dir, '__cluster_metadata-0', installed[0]!)).equals(file)).toBe(true);
    const pieces = leader.snapshotPiecesServed;
    expect(pieces.length).toBe(Math.ceil(file.length / FETCH_SNAPSHOT_MAX_BYTES));
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.map((p) => [p.errorCode, Number(p.position), Number(p.size)])).toEqual(pieces.map((_, i) => [0, i * FETCH_SNAPSHOT_MAX_BYTES, file.length]));
    expect(Buffer.concat(pieces.map((p) => p.unalignedRecords)).equals(file)).toBe(true);
    expect(c.driver!.status()).toMatchObject({ role: RaftRole.follower, leaderId: leader.id });
    // And it keeps following after the snapshot.
    await leader.driver!.propose([encodeMetadataRecord(record('after'))]);
    await until(() => c.recorder.values.at(-1) === 'after');
  }, 30_000);
});

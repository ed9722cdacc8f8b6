import { describe, expect, it } from 'vitest';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../core/protocol/request-frames.js';
import { encodeMetadataRecord, encodeMetadataRecords } from '../../core/raft/metadata/metadata-record.js';
import { EntryKind } from '../../core/raft/raft-log.js';
import type { RaftMessageBody } from '../../core/raft/raft-messages.js';
import { snapshotToBatches } from './raft-entry-batches.js';
import { raftRequestToWire, raftResponseToWire, wireRequestToRaft, wireResponseToRaft } from './raft-wire.js';

/** A request as the peer receives it: encoded with the generated codec, framed, decoded. */
function overTheWire(body: RaftMessageBody): { from: number; body: RaftMessageBody } {
  const wire = raftRequestToWire(body, 'cluster', 2);
  const frame = encodeRequest({ requestApiKey: wire.apiKey, requestApiVersion: wire.apiVersion, correlationId: 9, clientId: wire.clientId }, wire.body).toBuffer();
  const decoded = decodeRequest(frame);
  return wireRequestToRaft(decoded.header.requestApiKey, decoded.body, decoded.header.clientId);
}

/** A response as the requester receives it. */
function answerOverTheWire(request: RaftMessageBody, response: RaftMessageBody): RaftMessageBody {
  const wire = raftRequestToWire(request, 'cluster', 2);
  const frame = encodeResponse(wire.apiKey, wire.apiVersion, 9, raftResponseToWire(response, [1, 2, 3], 1_700_000_000_000)).toBuffer();
  return wireResponseToRaft(wire.apiKey, decodeResponse(frame, wire.apiKey, wire.apiVersion).body, request);
}

const topic = encodeMetadataRecord({ type: MetadataRecordType.TopicRecord, value: { name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' } });

describe('KRaft messages on the wire', () => {
  it('carries votes and pre-votes (the pre-vote flag in the client id, as Vote v1 has no field for it)', () => {
    for (const preVote of [false, true]) {
      const vote: RaftMessageBody = { type: 'VoteRequest', candidateEpoch: 5, candidateId: 3, lastOffsetEpoch: 4, lastOffset: 120, preVote };
      expect(overTheWire(vote)).toEqual({ from: 3, body: vote });
      const granted: RaftMessageBody = { type: 'VoteResponse', errorCode: 0, leaderId: -1, leaderEpoch: 5, voteGranted: true, preVote };
      expect(answerOverTheWire(vote, granted)).toEqual(granted);
    }
  });

  it('carries BeginQuorumEpoch and EndQuorumEpoch with the preferred successors', () => {
    const begin: RaftMessageBody = { type: 'BeginQuorumEpochRequest', leaderId: 1, leaderEpoch: 7 };
    expect(overTheWire(begin)).toEqual({ from: 1, body: begin });
    const end: RaftMessageBody = { type: 'EndQuorumEpochRequest', leaderId: 1, leaderEpoch: 7, preferredCandidates: [3, 2] };
    expect(overTheWire(end)).toEqual({ from: 1, body: end });
    const fenced: RaftMessageBody = { type: 'EndQuorumEpochResponse', errorCode: 74, leaderId: 2, leaderEpoch: 8 };
    expect(answerOverTheWire(end, fenced)).toEqual(fenced);
  });

  it('carries Fetch with ReplicaState, and entries as one-record batches keeping offsets and epochs', () => {
    const fetch: RaftMessageBody = { type: 'FetchRequest', replicaId: 2, currentLeaderEpoch: 3, fetchOffset: 10, lastFetchedEpoch: 2, maxEntries: 64 };
    expect(overTheWire(fetch)).toEqual({ from: 2, body: fetch });
    const records = [
      { offset: 10, epoch: 3, kind: EntryKind.leaderChange, data: new Uint8Array(0) },
      { offset: 11, epoch: 3, kind: EntryKind.data, data: topic },
    ];
    const answer: RaftMessageBody = { type: 'FetchResponse', errorCode: 0, highWatermark: 11, currentLeader: { leaderId: 1, leaderEpoch: 3 }, divergingEpoch: undefined, snapshotId: undefined, records };
    const received = answerOverTheWire(fetch, answer);
    expect(received).toMatchObject({ ...answer, records: [records[0], { offset: 11, epoch: 3, kind: EntryKind.data }] });
    expect(received.type === 'FetchResponse' && Buffer.from(received.records[1]!.data).equals(topic)).toBe(true);
    const diverging: RaftMessageBody = { ...answer, records: [], divergingEpoch: { epoch: 2, endOffset: 8 } };
    expect(answerOverTheWire(fetch, diverging)).toEqual(diverging);
    const behind: RaftMessageBody = { ...answer, records: [], snapshotId: { endOffset: 100, epoch: 2 } };
    expect(answerOverTheWire(fetch, behind)).toEqual(behind);
  });

  it('carries FetchSnapshot with position and MaxBytes, and a piece of a checkpoint cut anywhere', () => {
    const request: RaftMessageBody = { type: 'FetchSnapshotRequest', replicaId: 3, currentLeaderEpoch: 4, snapshotId: { endOffset: 100, epoch: 2 }, position: 7, maxBytes: 10 };
    expect(overTheWire(request)).toEqual({ from: 3, body: request });
    const checkpoint = snapshotToBatches(encodeMetadataRecords([{ type: MetadataRecordType.TopicRecord, value: { name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' } }]), 0);
    const piece = checkpoint.subarray(7, 17);
    const response: RaftMessageBody = { type: 'FetchSnapshotResponse', errorCode: 0, currentLeader: { leaderId: 1, leaderEpoch: 4 }, snapshotId: { endOffset: 100, epoch: 2 }, size: checkpoint.length, position: 7, unalignedRecords: piece };
    const received = answerOverTheWire(request, response);
    expect(received).toMatchObject({ size: checkpoint.length, position: 7 });
    expect(received.type === 'FetchSnapshotResponse' && Buffer.from(received.unalignedRecords).equals(piece)).toBe(true);
  });
});

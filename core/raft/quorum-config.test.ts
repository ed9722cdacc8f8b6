import { describe, expect, it } from 'vitest';
import { decodeQuorumStateFile, encodeQuorumStateFile } from './quorum-state-file.js';
import { parseQuorumVoters, QuorumConfigError } from './quorum-voters.js';

describe('controller.quorum.voters', () => {
  it('parses id@host:port lists, IPv6 in brackets included', () => {
    expect(parseQuorumVoters('1@localhost:9093, 2@[::1]:9094,3@10.0.0.3:9095')).toEqual([
      { id: 1, host: 'localhost', port: 9093 },
      { id: 2, host: '::1', port: 9094 },
      { id: 3, host: '10.0.0.3', port: 9095 },
    ]);
  });

  it('refuses malformed entries, bad ports, duplicates and an empty list', () => {
    for (const bad of ['', '1@host', 'x@host:1', '1@host:0', '1@host:70000', '1@a:1,1@b:2', '1@@a:1']) {
      expect(() => parseQuorumVoters(bad)).toThrow(QuorumConfigError);
    }
  });
});

describe('quorum-state file', () => {
  it('round-trips in the JSON Kafka writes (data_version 0)', () => {
    const text = encodeQuorumStateFile({ epoch: 7, leaderId: 2, votedId: 3 }, [1, 2, 3]);
    expect(JSON.parse(text)).toEqual({ clusterId: '', leaderId: 2, leaderEpoch: 7, votedId: 3, appliedOffset: 0, currentVoters: [{ voterId: 1 }, { voterId: 2 }, { voterId: 3 }], data_version: 0 });
    expect(decodeQuorumStateFile(text)).toEqual({ epoch: 7, leaderId: 2, votedId: 3 });
  });

  it('reads the version 1 layout and refuses anything else with a clear error', () => {
    expect(decodeQuorumStateFile('{"leaderId":1,"leaderEpoch":4,"votedId":-1,"votedDirectoryId":"AAAAAAAAAAAAAAAAAAAAAA","data_version":1}')).toEqual({ epoch: 4, leaderId: 1, votedId: -1 });
    for (const bad of ['', '[]', 'null', '{"data_version":9}', '{"leaderEpoch":"1","data_version":0}', '{"leaderId":-5,"data_version":0}']) {
      expect(() => decodeQuorumStateFile(bad)).toThrow(QuorumConfigError);
    }
  });
});

import { statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import {
  defaultDescribeLogDirsResponse,
  defaultDescribeLogDirsResponseDescribeLogDirsResult,
  type DescribeLogDirsRequest,
  type DescribeLogDirsResponse,
  type DescribeLogDirsResponseDescribeLogDirsTopic,
} from '../../core/protocol/generated/messages/describe-log-dirs.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { ApiHandler } from './registry.js';

/**
 * DescribeLogDirs v1+: per log dir, the partitions in it with their sizes,
 * and the disk's total/usable bytes (v4). A failed dir answers only
 * KAFKA_STORAGE_ERROR, as Kafka answers for an offline dir. A dir counts as
 * failed once a partition in it went offline (a write or read of it failed
 * with a storage error, see runtime/replica/partition-actor.ts): Kafka takes
 * the whole dir offline on its first I/O failure, until the broker restarts.
 */
export function createDescribeLogDirsHandler(replicas: ReplicaManager, logDirs: readonly string[]): ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponse> {
  return {
    apiKey: ApiKey.DescribeLogDirs,
    name: 'DescribeLogDirs',
    minVersion: 1,
    maxVersion: 4,
    handle(_context, request) {
      const wanted = request.topics === null ? null : new Map(request.topics.map((t) => [t.topic, new Set(t.partitions)]));
      const results = logDirs.map((logDir) => {
        if (replicas.localPartitions().some((p) => p.logDir === logDir && p.state.offline !== null)) {
          return { ...defaultDescribeLogDirsResponseDescribeLogDirsResult(), errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir: resolve(logDir) };
        }
        const topics = new Map<string, DescribeLogDirsResponseDescribeLogDirsTopic>();
        for (const p of replicas.localPartitions()) {
          if (p.logDir !== logDir) continue;
          if (wanted !== null && !(wanted.get(p.topic)?.has(p.partition) ?? false)) continue;
          let topic = topics.get(p.topic);
          if (topic === undefined) topics.set(p.topic, (topic = { name: p.topic, partitions: [] }));
          topic.partitions.push({ partitionIndex: p.partition, partitionSize: BigInt(p.state.sizeBytes), offsetLag: 0n, isFutureKey: false });
        }
        let totalBytes = -1n;
        let usableBytes = -1n;
        try {
          const stats = statfsSync(logDir);
          totalBytes = BigInt(stats.blocks) * BigInt(stats.bsize);
          usableBytes = BigInt(stats.bavail) * BigInt(stats.bsize);
        } catch {
          // An unreadable dir still lists its partitions; sizes stay unknown (-1).
        }
        return { errorCode: ErrorCode.NONE, logDir: resolve(logDir), topics: [...topics.values()], totalBytes, usableBytes };
      });
      return { ...defaultDescribeLogDirsResponse(), results };
    },
    errorResponse: (_request, errorCode) => ({ ...defaultDescribeLogDirsResponse(), errorCode }),
  };
}

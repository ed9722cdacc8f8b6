import { readFileSync } from 'node:fs';
import type { DeliverySemantics } from './checker.js';

/**
 * A load-test scenario, as declared in `load-tests/scenarios/<name>.json`:
 * what runs (topics, producers, consumers), for how long, which faults are
 * injected (from a seed, so a run can be repeated) and what the verdict allows.
 */
export interface Scenario {
  name: string;
  description: string;
  durationSeconds: number;
  /** Combined (broker,controller) nodes: 1, or a cluster whose kill-restart and pause faults hit the leader of the first topic's partition 0. */
  nodes: number;
  /** Seeds the fault times and the churn of group members. */
  seed: number;
  semantics: DeliverySemantics;
  topics: Array<{ name: string; partitions: number; replicationFactor: number }>;
  producers: ProducerSpec[];
  consumers: ConsumerSpec[];
  /** Exactly-once consume-transform-produce applications (`eos-app.ts`), each instance its own process. */
  transformers: TransformerSpec[];
  faults: FaultSpec[];
  /** Extra server.properties lines for the broker under test. */
  brokerProperties: string[];
  /** Seconds after the load stops that consumers get to catch up before the verdict. */
  drainSeconds: number;
}

export interface ProducerSpec {
  topic: string;
  /** Independent producers with this spec; each has its own keys. */
  instances: number;
  recordsPerSec: number;
  recordBytes: number;
  keys: number;
  acks: 1 | -1;
  idempotent: boolean;
}

export interface ConsumerSpec {
  topic: string;
  groupId: string;
  instances: number;
}

export interface TransformerSpec {
  input: string;
  /** Has as many partitions as the input: a record goes to its input partition's number. */
  output: string;
  groupId: string;
  instances: number;
}

export type FaultSpec =
  /** SIGKILL the broker and start it again on the same data. */
  | { kind: 'kill-restart'; everySeconds: number; jitterSeconds: number }
  /** SIGSTOP the broker for pauseMs, then SIGCONT. */
  | { kind: 'pause'; everySeconds: number; jitterSeconds: number; pauseMs: number }
  /** kill -9 of one instance of a transformer (seeded choice); it is started again. */
  | { kind: 'app-kill'; everySeconds: number; jitterSeconds: number }
  /** One group member leaves (closes) and a new one joins after rejoinMs. */
  | { kind: 'group-churn'; everySeconds: number; jitterSeconds: number; rejoinMs: number }
  /** The log dir is a tmpfs of this size (root only), so the disk fills up under load. */
  | { kind: 'disk-quota'; quotaBytes: number };

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

const positive = (value: unknown, what: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ScenarioError(`${what} must be a positive number, got ${JSON.stringify(value)}`);
  return value;
};
const nonNegative = (value: unknown, what: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ScenarioError(`${what} must be a number >= 0, got ${JSON.stringify(value)}`);
  return value;
};
const text = (value: unknown, what: string): string => {
  if (typeof value !== 'string' || value === '') throw new ScenarioError(`${what} must be a non-empty string`);
  return value;
};
const list = (value: unknown, what: string): unknown[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ScenarioError(`${what} must be an array`);
  return value;
};
const object = (value: unknown, what: string): Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ScenarioError(`${what} must be an object`);
  return value as Record<string, unknown>;
};

/** Checks a parsed scenario file field by field; every problem names the field. */
export function parseScenario(json: unknown): Scenario {
  const s = object(json, 'scenario');
  const topics = list(s.topics, 'topics').map((t, i) => {
    const o = object(t, `topics[${i}]`);
    return { name: text(o.name, `topics[${i}].name`), partitions: positive(o.partitions, `topics[${i}].partitions`), replicationFactor: positive(o.replicationFactor ?? 1, `topics[${i}].replicationFactor`) };
  });
  const topicNames = new Set(topics.map((t) => t.name));
  const knownTopic = (value: unknown, what: string): string => {
    const name = text(value, what);
    if (!topicNames.has(name)) throw new ScenarioError(`${what}: topic ${name} is not declared in topics`);
    return name;
  };
  const producers = list(s.producers, 'producers').map((p, i): ProducerSpec => {
    const o = object(p, `producers[${i}]`);
    const acks = o.acks ?? -1;
    if (acks !== 1 && acks !== -1) throw new ScenarioError(`producers[${i}].acks must be 1 or -1 (all)`);
    return {
      topic: knownTopic(o.topic, `producers[${i}].topic`),
      instances: positive(o.instances ?? 1, `producers[${i}].instances`),
      recordsPerSec: positive(o.recordsPerSec, `producers[${i}].recordsPerSec`),
      recordBytes: Math.max(128, positive(o.recordBytes ?? 256, `producers[${i}].recordBytes`)),
      keys: positive(o.keys ?? 16, `producers[${i}].keys`),
      acks,
      idempotent: o.idempotent === true,
    };
  });
  if (producers.length === 0) throw new ScenarioError('a scenario needs at least one producer');
  const consumers = list(s.consumers, 'consumers').map((c, i): ConsumerSpec => {
    const o = object(c, `consumers[${i}]`);
    return { topic: knownTopic(o.topic, `consumers[${i}].topic`), groupId: text(o.groupId, `consumers[${i}].groupId`), instances: positive(o.instances ?? 1, `consumers[${i}].instances`) };
  });
  const transformers = list(s.transformers, 'transformers').map((t, i): TransformerSpec => {
    const o = object(t, `transformers[${i}]`);
    const input = knownTopic(o.input, `transformers[${i}].input`);
    const output = knownTopic(o.output, `transformers[${i}].output`);
    if (topics.find((x) => x.name === input)!.partitions !== topics.find((x) => x.name === output)!.partitions) throw new ScenarioError(`transformers[${i}]: ${output} must have as many partitions as ${input}`);
    return { input, output, groupId: text(o.groupId, `transformers[${i}].groupId`), instances: positive(o.instances ?? 1, `transformers[${i}].instances`) };
  });
  const faults = list(s.faults, 'faults').map((f, i): FaultSpec => {
    const o = object(f, `faults[${i}]`);
    const every = () => ({ everySeconds: positive(o.everySeconds, `faults[${i}].everySeconds`), jitterSeconds: nonNegative(o.jitterSeconds ?? 0, `faults[${i}].jitterSeconds`) });
    switch (o.kind) {
      case 'kill-restart':
        return { kind: 'kill-restart', ...every() };
      case 'pause':
        return { kind: 'pause', ...every(), pauseMs: positive(o.pauseMs, `faults[${i}].pauseMs`) };
      case 'group-churn':
        if (consumers.length === 0) throw new ScenarioError(`faults[${i}]: group-churn needs consumers`);
        return { kind: 'group-churn', ...every(), rejoinMs: nonNegative(o.rejoinMs ?? 0, `faults[${i}].rejoinMs`) };
      case 'disk-quota':
        return { kind: 'disk-quota', quotaBytes: positive(o.quotaBytes, `faults[${i}].quotaBytes`) };
      case 'app-kill':
        if (transformers.length === 0) throw new ScenarioError(`faults[${i}]: app-kill needs transformers`);
        return { kind: 'app-kill', ...every() };
      default:
        throw new ScenarioError(`faults[${i}].kind must be kill-restart, pause, group-churn, app-kill or disk-quota, got ${JSON.stringify(o.kind)}`);
    }
  });
  const semantics = s.semantics ?? 'at-least-once';
  if (semantics !== 'at-least-once' && semantics !== 'exactly-once') throw new ScenarioError('semantics must be at-least-once or exactly-once');
  return {
    name: text(s.name, 'name'),
    description: typeof s.description === 'string' ? s.description : '',
    durationSeconds: positive(s.durationSeconds, 'durationSeconds'),
    nodes: positive(s.nodes ?? 1, 'nodes'),
    seed: nonNegative(s.seed ?? 1, 'seed'),
    semantics,
    topics,
    producers,
    consumers,
    transformers,
    faults,
    brokerProperties: list(s.brokerProperties, 'brokerProperties').map((p, i) => text(p, `brokerProperties[${i}]`)),
    drainSeconds: nonNegative(s.drainSeconds ?? 10, 'drainSeconds'),
  };
}

export const scenariosDir = new URL('./scenarios/', import.meta.url);

/** A scenario by name (from load-tests/scenarios) or by path. */
export function loadScenario(nameOrPath: string): Scenario {
  const url = nameOrPath.includes('/') || nameOrPath.endsWith('.json') ? nameOrPath : new URL(`${nameOrPath}.json`, scenariosDir);
  return parseScenario(JSON.parse(readFileSync(url, 'utf8')));
}

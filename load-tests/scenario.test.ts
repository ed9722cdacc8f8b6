import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario, ScenarioError, scenariosDir } from './scenario.js';

const minimal = {
  name: 'x',
  durationSeconds: 10,
  topics: [{ name: 't', partitions: 2 }],
  producers: [{ topic: 't', recordsPerSec: 10 }],
};

describe('load-test scenarios', () => {
  it('ships smoke, steady, crash-restart (acks=all and acks=1) and group-churn, each valid', () => {
    const names = readdirSync(scenariosDir).map((f) => f.replace(/\.json$/, ''));
    expect(names).toEqual(expect.arrayContaining(['smoke', 'steady', 'crash-restart', 'crash-restart-acks1', 'group-churn']));
    for (const name of names) expect(loadScenario(name).name).toBe(name);
    expect(loadScenario('crash-restart').producers[0]!.acks).toBe(-1);
    expect(loadScenario('crash-restart-acks1').producers[0]!.acks).toBe(1);
  });

  it('ships eos: an exactly-once transformer whose instances and broker are killed with -9', () => {
    const eos = loadScenario('eos');
    expect(eos.transformers).toEqual([{ input: 'eos-in', output: 'eos-out', groupId: 'eos-app', instances: 2 }]);
    expect(eos.faults.map((f) => f.kind).sort()).toEqual(['app-kill', 'kill-restart']);
  });

  it('keeps the CI smoke run within a minute and with a crash in it', () => {
    const smoke = loadScenario('smoke');
    expect(smoke.durationSeconds).toBeLessThanOrEqual(60);
    expect(smoke.faults.map((f) => f.kind)).toContain('kill-restart');
  });

  it('fills in defaults: acks=all, one instance, 256-byte records, at-least-once', () => {
    expect(parseScenario(minimal)).toMatchObject({
      seed: 1,
      semantics: 'at-least-once',
      producers: [{ topic: 't', instances: 1, recordsPerSec: 10, recordBytes: 256, keys: 16, acks: -1, idempotent: false }],
      consumers: [],
      faults: [],
    });
  });

  it.each([
    [{ ...minimal, durationSeconds: 0 }, /durationSeconds must be a positive number/],
    [{ ...minimal, producers: [] }, /at least one producer/],
    [{ ...minimal, producers: [{ topic: 'other', recordsPerSec: 1 }] }, /producers\[0\]\.topic: topic other is not declared/],
    [{ ...minimal, producers: [{ topic: 't', recordsPerSec: 1, acks: 0 }] }, /producers\[0\]\.acks must be 1 or -1/],
    [{ ...minimal, faults: [{ kind: 'meteor' }] }, /faults\[0\]\.kind must be/],
    [{ ...minimal, faults: [{ kind: 'group-churn', everySeconds: 5 }] }, /group-churn needs consumers/],
    [{ ...minimal, faults: [{ kind: 'pause', everySeconds: 5 }] }, /faults\[0\]\.pauseMs must be a positive number/],
    [{ ...minimal, faults: [{ kind: 'app-kill', everySeconds: 5 }] }, /app-kill needs transformers/],
    [{ ...minimal, topics: [...minimal.topics, { name: 'o', partitions: 3 }], transformers: [{ input: 't', output: 'o', groupId: 'g' }] }, /transformers\[0\]: o must have as many partitions as t/],
    [{ ...minimal, transformers: [{ input: 't', output: 'missing', groupId: 'g' }] }, /transformers\[0\]\.output: topic missing is not declared/],
  ])('refuses a bad scenario, naming the field (%#)', (scenario, message) => {
    expect(() => parseScenario(scenario)).toThrow(ScenarioError);
    expect(() => parseScenario(scenario)).toThrow(message);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import { defaultControllerConfig, type ControllerState } from './controller-state.js';
import { ConfigResourceType, MetadataImage } from '../metadata/metadata-image.js';
import { kafkaConfigRules } from '../../../runtime/controller/config-rules.js';
import { ConfigOperation, incrementalAlterConfigs } from './config-control.js';

function stateWith(configs: Record<string, string> = {}): ControllerState {
  const image = new MetadataImage();
  image.replay({ type: MetadataRecordType.TopicRecord, value: { name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' } });
  for (const [name, value] of Object.entries(configs)) {
    image.replay({ type: MetadataRecordType.ConfigRecord, value: { resourceType: ConfigResourceType.topic, resourceName: 'orders', name, value } });
  }
  return { config: { ...defaultControllerConfig, clusterId: 'c' }, image, lastHeartbeatMs: new Map() };
}

const alter = (state: ControllerState, configs: { name: string; configOperation: number; value: string | null }[], resourceName = 'orders', validateOnly = false) =>
  incrementalAlterConfigs(state, { validateOnly, resources: [{ resourceType: ConfigResourceType.topic, resourceName, configs }] }, kafkaConfigRules);

/** The image after replaying a result's records, as every node will. */
function applied(state: ControllerState, result: ReturnType<typeof alter>): Map<string, string> {
  for (const record of result.records) state.image.replay(record);
  return state.image.configs.get(`${ConfigResourceType.topic}/orders`) ?? new Map();
}

describe('incrementalAlterConfigs on the controller', () => {
  it('sets and deletes topic configs as ConfigRecords', () => {
    const state = stateWith({ 'retention.ms': '1000' });
    const result = alter(state, [
      { name: 'segment.bytes', configOperation: ConfigOperation.set, value: '1048576' },
      { name: 'retention.ms', configOperation: ConfigOperation.delete, value: null },
    ]);
    expect(result.response.responses).toEqual([{ errorCode: ErrorCode.NONE, errorMessage: null, resourceType: ConfigResourceType.topic, resourceName: 'orders' }]);
    expect([...applied(state, result)]).toEqual([['segment.bytes', '1048576']]);
  });

  it('appends to and subtracts from list configs, starting from the current value', () => {
    const state = stateWith({ 'cleanup.policy': 'delete' });
    expect([...applied(state, alter(state, [{ name: 'cleanup.policy', configOperation: ConfigOperation.append, value: 'compact,delete' }]))]).toEqual([['cleanup.policy', 'delete,compact']]);
    expect([...applied(state, alter(state, [{ name: 'cleanup.policy', configOperation: ConfigOperation.subtract, value: 'delete' }]))]).toEqual([['cleanup.policy', 'compact']]);
    expect(alter(state, [{ name: 'retention.ms', configOperation: ConfigOperation.append, value: '5' }]).response.responses[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
  });

  it('refuses a resource whole when one of its values is invalid, writing nothing', () => {
    const state = stateWith();
    for (const [name, value] of [
      ['retention.ms', '-2'],
      ['retention.ms', '1.5'],
      ['retention.bytes', 'lots'],
      ['segment.bytes', '13'],
      ['segment.ms', '0'],
      ['cleanup.policy', 'delete,shred'],
      ['max.message.bytes', '-1'],
      ['message.timestamp.type', 'createtime'],
      ['compression.type', 'brotli'],
      ['min.insync.replicas', '0'],
      ['unclean.leader.election.enable', 'yes'],
      ['no.such.config', '1'],
    ] as const) {
      const result = alter(state, [
        { name: 'delete.retention.ms', configOperation: ConfigOperation.set, value: '1000' },
        { name, configOperation: ConfigOperation.set, value },
      ]);
      expect([name, value, result.response.responses[0]!.errorCode]).toEqual([name, value, ErrorCode.INVALID_CONFIG]);
      expect(result.records).toEqual([]);
    }
  });

  it('answers unknown topics and validate-only without records', () => {
    const state = stateWith();
    expect(alter(state, [{ name: 'retention.ms', configOperation: ConfigOperation.set, value: '1' }], 'missing').response.responses[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const dryRun = alter(state, [{ name: 'retention.ms', configOperation: ConfigOperation.set, value: '60000' }], 'orders', true);
    expect(dryRun.response.responses[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(dryRun.records).toEqual([]);
  });
});

describe('dynamic broker configs on the controller', () => {
  const alterBroker = (state: ControllerState, resourceName: string, configs: { name: string; configOperation: number; value: string | null }[]) =>
    incrementalAlterConfigs(state, { validateOnly: false, resources: [{ resourceType: ConfigResourceType.broker, resourceName, configs }] }, kafkaConfigRules);

  it('stores the dynamic keys of a broker id and of the cluster default as broker ConfigRecords', () => {
    const state = stateWith();
    const perBroker = alterBroker(state, '1', [{ name: 'log.retention.ms', configOperation: ConfigOperation.set, value: '60000' }]);
    const clusterDefault = alterBroker(state, '', [{ name: 'log.level.request', configOperation: ConfigOperation.set, value: 'debug' }]);
    expect(perBroker.response.responses[0]).toMatchObject({ errorCode: ErrorCode.NONE, resourceName: '1' });
    expect(clusterDefault.response.responses[0]).toMatchObject({ errorCode: ErrorCode.NONE, resourceName: '' });
    expect([...perBroker.records, ...clusterDefault.records]).toEqual([
      { type: MetadataRecordType.ConfigRecord, value: { resourceType: ConfigResourceType.broker, resourceName: '1', name: 'log.retention.ms', value: '60000' } },
      { type: MetadataRecordType.ConfigRecord, value: { resourceType: ConfigResourceType.broker, resourceName: '', name: 'log.level.request', value: 'debug' } },
    ]);
  });

  it('refuses read-only keys, bad values and bad broker ids with INVALID_REQUEST, writing nothing', () => {
    const state = stateWith();
    const cases = [
      ['1', 'log.dirs', '/tmp/x', 'Cannot update these configs dynamically: Set(log.dirs)'],
      ['1', 'num.io.threads', '4', 'Cannot update these configs dynamically: Set(num.io.threads)'],
      ['', 'log.level', 'loud', 'Invalid value "loud" for configuration log.level: must be one of trace, debug, info, warn, error, fatal, silent (any case)'],
      ['1', 'log.retention.ms', 'soon', 'Invalid value "soon" for configuration log.retention.ms: expected a whole number (long)'],
      ['one', 'log.level', 'debug', 'Node id must be an integer, but it is: one'],
    ] as const;
    for (const [resourceName, name, value, errorMessage] of cases) {
      const result = alterBroker(state, resourceName, [{ name, configOperation: ConfigOperation.set, value }]);
      expect(result.response.responses[0], name).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage });
      expect(result.records).toEqual([]);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { loadBrokerConfig } from './config/broker-config.js';
import { logFormat, logLevels } from './log-settings.js';
import { createNodeLogger, forComponent, type LogLevels } from './logger.js';

function capture(format: 'json' | 'text', levels: LogLevels) {
  const lines: string[] = [];
  const log = createNodeLogger({ nodeId: 7, format, levels, destination: { write: (line: string) => void lines.push(line) } });
  return { log, lines, json: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const info: LogLevels = { level: 'info', components: {} };

describe('the node logger', () => {
  it('writes JSON lines carrying level, time, node id and component', () => {
    const { log, json } = capture('json', info);
    log.info('root line');
    log.child('raft').warn('raft line');
    const [root, raft] = json();
    expect(root).toMatchObject({ level: 'info', nodeId: 7, msg: 'root line' });
    expect(root).not.toHaveProperty('component');
    expect(raft).toMatchObject({ level: 'warn', nodeId: 7, component: 'raft', msg: 'raft line' });
    expect(Date.parse(String(raft!.time))).toBeGreaterThan(Date.parse('2020-01-01'));
  });

  it('gives errors their stack', () => {
    const { log, json, lines } = capture('json', info);
    log.error('append failed', new Error('disk on fire'));
    log.error('odd failure', 'a string');
    const [withError, withString] = json();
    expect(withError).toMatchObject({ level: 'error', msg: 'append failed', err: { type: 'Error', message: 'disk on fire' } });
    expect(String((withError!.err as { stack: string }).stack)).toMatch(/^Error: disk on fire\n\s+at /);
    expect(withString).toMatchObject({ cause: 'a string' });
    expect(lines).toHaveLength(2);
  });

  it('log.level=warn silences info lines', () => {
    const { log, json } = capture('json', { level: 'warn', components: {} });
    log.info('hidden');
    log.child('replica').info('hidden too');
    log.warn('shown');
    expect(json().map((line) => line.msg)).toEqual(['shown']);
  });

  it('a per-component debug level shows debug lines of that component only', () => {
    const { log, json } = capture('json', { level: 'info', components: { request: 'debug' } });
    log.child('request').debug('request line', { api: 'Produce' });
    log.child('raft').debug('raft debug');
    log.debug('root debug');
    expect(json()).toEqual([expect.objectContaining({ component: 'request', msg: 'request line', api: 'Produce' })]);
  });

  it('changes levels at run time, for components already handed out too', () => {
    const { log, json } = capture('json', info);
    const group = log.child('group');
    group.debug('before');
    log.setLevels({ level: 'error', components: { group: 'debug' } });
    group.debug('after');
    log.info('root silenced');
    log.setLevels(info);
    group.debug('back to info');
    expect(json().map((line) => line.msg)).toEqual(['after']);
  });

  it('writes readable single lines in text format, the stack after an error line', () => {
    const { log, lines } = capture('text', info);
    log.child('controller').info('Node 7 is the active controller');
    log.error('boom', new Error('bad'));
    expect(lines[0]).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] INFO Node 7 is the active controller \(node 7, controller\)\n$/);
    expect(lines[1]).toMatch(/^\[[^\]]+\] ERROR boom \(node 7\)\nError: bad\n\s+at /);
  });

  it('hands other loggers (tests) through forComponent unchanged', () => {
    const plain = { info: () => {}, warn: () => {}, error: () => {} };
    expect(forComponent(plain, 'raft')).toBe(plain);
  });
});

describe('log settings from server.properties', () => {
  const base = { 'process.roles': 'broker', 'node.id': '1', 'controller.quorum.voters': '1@127.0.0.1:9093', 'controller.listener.names': 'CONTROLLER', 'log.dirs': '/tmp/x' };

  it('reads log.level (default info) and log.level.<component>', () => {
    expect(logLevels(loadBrokerConfig(base).config)).toEqual({ level: 'info', components: { controller: null, raft: null, replica: null, group: null, txn: null, network: null, request: null } });
    const { config } = loadBrokerConfig({ ...base, 'log.level': 'WARN', 'log.level.request': 'debug' });
    expect(logLevels(config)).toMatchObject({ level: 'warn', components: { request: 'debug', raft: null } });
  });

  it('picks JSON lines off a terminal and text on one, unless log.format says', () => {
    const { config } = loadBrokerConfig(base);
    expect(logFormat(config, false)).toBe('json');
    expect(logFormat(config, true)).toBe('text');
    expect(logFormat(loadBrokerConfig({ ...base, 'log.format': 'json' }).config, true)).toBe('json');
    expect(() => loadBrokerConfig({ ...base, 'log.level': 'loud' })).toThrow(/log.level/);
  });
});

import { Packr } from 'msgpackr';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { QueueLimits } from './mailbox.js';
import type { RestartPolicy } from './actor-cell.js';
import type { HostDepths } from './actor-host.js';

/**
 * The control plane between the runtime (main thread) and each worker:
 * small structured messages, msgpack-encoded, on the worker's MessagePort.
 * Shared memory and ports cannot be msgpacked, so they ride next to the
 * packed bytes in the same postMessage (`shared`, `ports`).
 */
export type ControlRequest =
  | { op: 'connect'; peer: number; outMaxRecords: number; inMaxRecords: number }
  | { op: 'disconnect'; peer: number }
  | { op: 'locate'; entries: Array<[string, number | null]> }
  | { op: 'spawn'; spec: WorkerSpawn }
  | { op: 'stopActor'; name: string }
  | { op: 'status' }
  | { op: 'eventLoopDelay' }
  | { op: 'stop' };

export interface WorkerSpawn {
  name: string;
  module: string;
  exportName: string;
  args: unknown;
  mailbox?: QueueLimits;
  restart?: RestartPolicy;
}

export interface WorkerStatus {
  idle: boolean;
  depths: HostDepths;
}

/** Worker -> runtime, unprompted. */
export type ControlEvent = { event: 'actorStopped'; name: string; error: string } | { event: 'log'; line: string };

export type ControlReply = { id: number; ok: true; result?: unknown } | { id: number; ok: false; error: string };

export interface ControlEnvelope {
  packed: Uint8Array;
  shared?: SharedArrayBuffer[];
  port?: MessagePort;
}

const packr = new Packr({ useRecords: false });

export function postControl(target: MessagePort | Worker, message: unknown, extras: Omit<ControlEnvelope, 'packed'> = {}): void {
  const envelope: ControlEnvelope = { packed: Uint8Array.from(packr.pack(message)), ...extras };
  target.postMessage(envelope, extras.port === undefined ? [] : [extras.port]);
}

export function readControl<T>(envelope: ControlEnvelope): T {
  return packr.unpack(envelope.packed) as T;
}

/** Entry of a runtime worker thread: one ActorHost driven by control messages from the runtime. */
import { parentPort, workerData } from 'node:worker_threads';
import type { ActorFactory } from './actor.js';
import { ActorHost } from './actor-host.js';
import { postControl, readControl, type ControlEnvelope, type ControlEvent, type ControlReply, type ControlRequest, type WorkerStatus } from './control.js';
import { Doorbell } from './doorbell.js';
import { EventLoopDelayMonitor } from './event-loop-delay.js';
import { systemClock } from './virtual-clock.js';

export interface ActorWorkerData {
  threadIndex: number;
  doorbell: SharedArrayBuffer;
  /** Every thread's doorbell, by thread index (to ring peers). */
  doorbells: Record<number, SharedArrayBuffer>;
  spinMicros: number;
}

const port = parentPort;
if (port === null) throw new Error('actor-worker.ts must run as a worker thread');
const data = workerData as ActorWorkerData;
const emit = (event: ControlEvent): void => postControl(port, event);

const host = new ActorHost({
  threadIndex: data.threadIndex,
  doorbell: new Doorbell(data.doorbell),
  clock: systemClock,
  log: (line) => emit({ event: 'log', line: `[thread ${data.threadIndex}] ${line}` }),
  onActorStopped: (name, error) => emit({ event: 'actorStopped', name, error: error.message }),
  spinMicros: data.spinMicros,
});
const eventLoopDelay = new EventLoopDelayMonitor(data.threadIndex);
const doorbells = new Map(Object.entries(data.doorbells).map(([k, v]) => [Number(k), v]));

async function handle(request: ControlRequest, envelope: ControlEnvelope): Promise<unknown> {
  switch (request.op) {
    case 'connect': {
      const [outBuffer, inBuffer, peerDoorbell] = envelope.shared ?? [];
      if (outBuffer === undefined || inBuffer === undefined || envelope.port === undefined) throw new Error('connect needs two rings and a port');
      if (peerDoorbell !== undefined) doorbells.set(request.peer, peerDoorbell);
      const bell = doorbells.get(request.peer);
      if (bell === undefined) throw new Error(`no doorbell for thread ${request.peer}`);
      host.connect({
        peer: request.peer,
        outRing: { buffer: outBuffer, maxRecords: request.outMaxRecords },
        inRing: { buffer: inBuffer, maxRecords: request.inMaxRecords },
        peerDoorbell: bell,
        port: envelope.port,
      });
      return undefined;
    }
    case 'disconnect':
      host.disconnect(request.peer);
      return undefined;
    case 'locate':
      for (const [name, thread] of request.entries) host.setLocation(name, thread ?? undefined);
      return undefined;
    case 'spawn': {
      const module = (await import(request.spec.module)) as Record<string, unknown>;
      const factory = module[request.spec.exportName];
      if (typeof factory !== 'function') throw new Error(`${request.spec.module} has no actor factory ${request.spec.exportName}`);
      host.spawnLocal({ ...request.spec, factory: factory as ActorFactory });
      return undefined;
    }
    case 'stopActor':
      await host.stopLocal(request.name);
      return undefined;
    case 'status':
      return { idle: host.isIdle, depths: host.depths() } satisfies WorkerStatus;
    case 'eventLoopDelay':
      return eventLoopDelay.sample();
    case 'stop':
      eventLoopDelay.stop();
      await host.stop();
      return undefined;
  }
}

port.on('message', (envelope: ControlEnvelope) => {
  const { id, ...request } = readControl<ControlRequest & { id: number }>(envelope);
  handle(request as ControlRequest, envelope).then(
    (result) => postControl(port, { id, ok: true, result } satisfies ControlReply),
    (error: unknown) => postControl(port, { id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies ControlReply),
  );
});
host.start();

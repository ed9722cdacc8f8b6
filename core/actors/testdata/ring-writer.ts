/** Worker for the two-thread ring test: writes `count` records as fast as the ring takes them. */
import { parentPort, workerData } from 'node:worker_threads';
import { SharedRing, type SharedRingHandle } from '../shared-ring.js';
import { ringWriterRecord } from './ring-writer-record.js';

const { ring: handle, count } = workerData as { ring: SharedRingHandle; count: number };
const ring = new SharedRing(handle);
// A pending Atomics.waitAsync does not keep a thread alive; the port listener does, until terminate().
parentPort!.on('message', () => undefined);
for (let seq = 0; seq < count; seq++) {
  const record = ringWriterRecord(seq);
  while (!ring.tryWrite(seq, [record])) await ring.waitForRoom(record.byteLength, 50);
}

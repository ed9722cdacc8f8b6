import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { FrameDecoder, frameBuffer } from '../../core/protocol/frame.js';
import { decodeResponse, encodeRequest } from '../../core/protocol/request-frames.js';

/** One request frame, encoded by the generated codec as a client would send it. */
export function requestFrame(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Buffer {
  return frameBuffer(encodeRequest({ requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId: 'raw' }, body));
}

/** Opens a TCP connection to `port` on 127.0.0.1. */
export async function rawConnect(port: number): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

/** Sends one request on a fresh connection and decodes its answer (rejects if the connection closes first). */
export async function rawRequest<Response>(port: number, apiKey: number, apiVersion: number, body: unknown, timeoutMs = 30_000): Promise<Response> {
  const socket = await rawConnect(port);
  const decoder = new FrameDecoder(1 << 28);
  try {
    return await new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      socket.on('data', (chunk: Buffer) => {
        const [frame] = decoder.push(chunk);
        if (frame === undefined) return;
        clearTimeout(timer);
        resolve(decodeResponse(Buffer.from(frame), apiKey, apiVersion).body as Response);
      });
      socket.once('close', () => {
        clearTimeout(timer);
        reject(new Error('the broker closed the connection'));
      });
      socket.write(requestFrame(apiKey, apiVersion, 1, body));
    });
  } finally {
    socket.destroy();
  }
}

/** Resident set size of a process in bytes (Linux /proc), for memory bounds in tests. */
export async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  if (kb === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) * 1024;
}

/** Reads answers until correlation id `last` (ids 1..last, in order), counting those out of order. */
export function readAnswers(socket: Socket, last: number): Promise<{ answers: number; outOfOrder: number }> {
  const decoder = new FrameDecoder(1 << 24);
  let answers = 0;
  let outOfOrder = 0;
  return new Promise((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) if (frame.readInt32BE(0) !== ++answers) outOfOrder++;
      if (answers >= last) resolve({ answers, outOfOrder });
    });
    socket.resume();
  });
}

/** `count` requests of one kind, correlation ids 1..count, in one buffer: what a pipelining client writes. */
export function pipelinedRequests(apiKey: number, apiVersion: number, body: unknown, count: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, i) => requestFrame(apiKey, apiVersion, i + 1, body)));
}

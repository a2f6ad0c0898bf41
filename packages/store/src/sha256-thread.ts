// The worker side of sha256-worker.ts: hashes the chunks it is sent, in order, for any number of
// open hashes at once, and optionally writes them to a file, through the thread pool, while it
// hashes the next ones.
import { createHash, type Hash } from 'node:crypto';
import { write } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/** Main thread → worker. */
export type HashRequest =
  | { op: 'open'; id: number; fd?: number }
  | { op: 'data'; id: number; chunks: Uint8Array[] }
  | { op: 'close'; id: number }
  | { op: 'drop'; id: number };

/** Worker → main thread. `memory` is the data's, handed back for reuse. */
export type HashReply =
  | { op: 'ack'; id: number; memory: ArrayBuffer[] }
  /** Sent once, as soon as a write fails: the sender stops sending. */
  | { op: 'failed'; id: number; message: string }
  /** The answer to close, once every write has finished. */
  | { op: 'closed'; id: number; hex: string; size: number }
  | { op: 'closed'; id: number; error: string }
  /** The answer to drop, once every write has finished. */
  | { op: 'dropped'; id: number };

interface Open {
  hash: Hash;
  size: number;
  fd: number | undefined;
  failure: string | undefined;
  /** File writes not yet finished, and what waits for them. */
  writing: number;
  idle: (() => void)[];
}

const port = parentPort!;
const open = new Map<number, Open>();

function writeAt(fd: number, chunk: Uint8Array, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (off: number): void => {
      if (off === chunk.length) return resolve();
      write(fd, chunk, off, chunk.length - off, position + off, (err, n) => (err ? reject(err) : step(off + n)));
    };
    step(0);
  });
}

function fail(id: number, h: Open, err: unknown): void {
  if (h.failure !== undefined) return;
  h.failure = (err as Error).message;
  port.postMessage({ op: 'failed', id, message: h.failure } satisfies HashReply);
}

function whenIdle(h: Open, then: () => void): void {
  if (h.writing === 0) then();
  else h.idle.push(then);
}

port.on('message', (msg: HashRequest) => {
  switch (msg.op) {
    case 'open':
      open.set(msg.id, { hash: createHash('sha256'), size: 0, fd: msg.fd, failure: undefined, writing: 0, idle: [] });
      return;
    case 'data': {
      const memory = msg.chunks.map((c) => c.buffer as ArrayBuffer);
      // Acknowledged even after a failure, so the sender's window never stalls; only once the
      // bytes are written, since the acknowledgement hands their memory back.
      const ack = (): void => port.postMessage({ op: 'ack', id: msg.id, memory } satisfies HashReply, memory);
      const h = open.get(msg.id);
      if (!h || h.failure !== undefined) return ack();
      const position = h.size;
      for (const chunk of msg.chunks) {
        h.hash.update(chunk);
        h.size += chunk.length;
      }
      if (h.fd === undefined) return ack();
      const fd = h.fd;
      h.writing++;
      let at = position;
      const writes = msg.chunks.map((chunk) => {
        const p = writeAt(fd, chunk, at);
        at += chunk.length;
        return p;
      });
      Promise.all(writes)
        .catch((err: unknown) => fail(msg.id, h, err))
        .finally(() => {
          ack();
          if (--h.writing === 0) h.idle.splice(0).forEach((then) => then());
        });
      return;
    }
    case 'close': {
      const h = open.get(msg.id);
      open.delete(msg.id);
      if (!h) return port.postMessage({ op: 'closed', id: msg.id, error: 'sha256 of an unknown stream' } satisfies HashReply);
      whenIdle(h, () => {
        if (h.failure === undefined) port.postMessage({ op: 'closed', id: msg.id, hex: h.hash.digest('hex'), size: h.size } satisfies HashReply);
        else port.postMessage({ op: 'closed', id: msg.id, error: h.failure } satisfies HashReply);
      });
      return;
    }
    case 'drop': {
      // Replied once no write is in flight: the sender may then close the file.
      const h = open.get(msg.id);
      open.delete(msg.id);
      const dropped = (): void => port.postMessage({ op: 'dropped', id: msg.id } satisfies HashReply);
      if (h) whenIdle(h, dropped);
      else dropped();
      return;
    }
  }
});

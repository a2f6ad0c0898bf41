// sha256 on a worker thread, so hashing a layer's tar does not share the main thread with reading
// and packing it. Chunks read into memory from chunkBuffer() are moved to the worker, not copied;
// anything else is copied into 1 MiB batches. Chunks go over MESSAGE_BYTES at a time (each message
// wakes a thread, which costs more than the bytes), at most WINDOW messages in flight per hash.
import { Worker } from 'node:worker_threads';
import type { Digest } from './digest.js';
import type { HashReply, HashRequest } from './sha256-thread.js';

/** Size of a batch and of a buffer from chunkBuffer(). */
export const CHUNK_BYTES = 1 << 20;
const MESSAGE_BYTES = 4 << 20;
const WINDOW = 4;
const SPARE_BUFFERS = 32;

/** Memory this module handed out and may move to the worker when it comes back as tar data. */
const movable = new WeakSet<ArrayBuffer>();
const spare: ArrayBuffer[] = [];

/**
 * A CHUNK_BYTES buffer to read file data into. Passed to update() (whole or a leading part),
 * its memory moves to the worker: the caller must not touch it afterwards.
 */
export function chunkBuffer(): Buffer {
  const memory = spare.pop() ?? new ArrayBuffer(CHUNK_BYTES);
  movable.add(memory);
  return Buffer.from(memory);
}

function recycle(memory: ArrayBuffer): void {
  if (memory.byteLength === CHUNK_BYTES && spare.length < SPARE_BUFFERS) spare.push(memory);
}

/** One worker per process, shared by every open hash; it holds the process open only while a hash is. */
class HashThread {
  private readonly worker: Worker;
  private readonly hashes = new Map<number, OffThreadSha256>();
  private nextId = 1;

  constructor() {
    // Not the parent's flags: some (--input-type, --eval) make no sense for a worker and fail it.
    this.worker = new Worker(new URL('./sha256-thread.js', import.meta.url), { execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (reply: HashReply) => {
      if (reply.op === 'ack') reply.memory.forEach(recycle);
      this.hashes.get(reply.id)?.receive(reply);
    });
    this.worker.on('error', (err) => this.fail(new Error(`sha256 worker failed: ${err.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`sha256 worker exited with code ${code}`)));
  }

  private fail(err: Error): void {
    if (thread === this) thread = undefined;
    const open = [...this.hashes.values()];
    this.hashes.clear();
    for (const hash of open) hash.workerDied(err);
  }

  attach(hash: OffThreadSha256): number {
    const id = this.nextId++;
    if (this.hashes.size === 0) this.worker.ref();
    this.hashes.set(id, hash);
    return id;
  }

  detach(id: number): void {
    if (this.hashes.delete(id) && this.hashes.size === 0) {
      this.worker.unref();
      spare.length = 0; // no layer is being hashed: give the buffers back
    }
  }

  post(request: HashRequest): void {
    if (request.op !== 'data') return this.worker.postMessage(request);
    const memory = request.chunks.map((c) => c.buffer as ArrayBuffer).filter((m) => movable.delete(m));
    this.worker.postMessage(request, memory);
  }
}

let thread: HashThread | undefined;

/** A running sha256 on the worker thread; when `appendFd` is given, the worker also writes every chunk there. */
export class OffThreadSha256 {
  private readonly thread: HashThread;
  private readonly id: number;
  private batch: Buffer | undefined;
  private batchLength = 0;
  private message: Uint8Array[] = [];
  private messageBytes = 0;
  private inFlight = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private result: ((reply: HashReply) => void) | undefined;
  private closed = false;
  private dead = false;

  constructor(appendFd?: number) {
    thread ??= new HashThread();
    this.thread = thread;
    this.id = this.thread.attach(this);
    this.thread.post({ op: 'open', id: this.id, fd: appendFd });
  }

  /**
   * Adds `chunk` without waiting: memory from chunkBuffer() moves to the worker, anything else is
   * copied (the caller may reuse it at once). Call room() between entries to keep the window.
   */
  update(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (movable.has(chunk.buffer as ArrayBuffer)) {
      this.endBatch();
      this.add(chunk);
      return;
    }
    for (let off = 0; off < chunk.length; ) {
      this.batch ??= chunkBuffer();
      const n = Math.min(chunk.length - off, CHUNK_BYTES - this.batchLength);
      this.batch.set(off === 0 && n === chunk.length ? chunk : chunk.subarray(off, off + n), this.batchLength);
      this.batchLength += n;
      off += n;
      if (this.batchLength === CHUNK_BYTES) {
        this.endBatch();
        this.add(undefined);
      }
    }
  }

  /** undefined while the window has room, else a promise of room (at most one message over it). */
  room(): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    if (this.inFlight < WINDOW) return undefined;
    return this.waitForRoom();
  }

  private async waitForRoom(): Promise<void> {
    while (this.inFlight >= WINDOW && !this.failure) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.failure) throw this.failure;
  }

  /** The digest and byte count of everything added (and written); frees the hash. */
  async digest(): Promise<{ digest: Digest; size: number }> {
    if (this.failure) throw this.failure;
    this.endBatch();
    this.post();
    this.closed = true;
    const reply = await this.answer({ op: 'close', id: this.id });
    this.thread.detach(this.id);
    if (reply.op === 'closed' && 'hex' in reply) return { digest: `sha256:${reply.hex}`, size: reply.size };
    throw this.failure ?? new Error(reply.op === 'closed' ? reply.error : `sha256 worker: unexpected ${reply.op}`);
  }

  /** Drops the hash (after a failure elsewhere); once it resolves, nothing more is written to `appendFd`. */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.dead) await this.answer({ op: 'drop', id: this.id });
    this.thread.detach(this.id);
  }

  /** Called by the thread with this hash's replies. */
  receive(reply: HashReply): void {
    if (reply.op === 'ack') {
      this.inFlight--;
      this.wakeSender();
    } else if (reply.op === 'failed') {
      this.failure ??= new Error(reply.message);
      this.wakeSender();
    } else {
      this.result?.(reply);
    }
  }

  /** Called by the thread when the worker died: nothing will answer any more. */
  workerDied(err: Error): void {
    this.dead = true;
    this.failure ??= err;
    this.wakeSender();
    this.result?.({ op: 'dropped', id: this.id });
  }

  private answer(request: HashRequest): Promise<HashReply> {
    return new Promise((resolve) => {
      this.result = resolve;
      this.thread.post(request);
    });
  }

  private wakeSender(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Queues `chunk` (if any) for the next message; sends the message when full. */
  private add(chunk: Uint8Array | undefined): void {
    if (chunk) {
      this.message.push(chunk);
      this.messageBytes += chunk.length;
    }
    if (this.messageBytes >= MESSAGE_BYTES) this.post();
  }

  private post(): void {
    if (this.message.length === 0) return;
    this.thread.post({ op: 'data', id: this.id, chunks: this.message });
    this.inFlight++;
    this.message = [];
    this.messageBytes = 0;
  }

  /** Moves the partly filled batch, if any, into the next message. */
  private endBatch(): void {
    if (this.batchLength === 0) return;
    const batch = this.batch!.subarray(0, this.batchLength);
    this.batch = undefined;
    this.batchLength = 0;
    this.message.push(batch);
    this.messageBytes += batch.length;
  }
}

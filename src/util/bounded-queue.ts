/**
 * A first-in first-out queue with a fixed capacity, the backpressure between pipeline
 * stages: `push` waits while the queue is full, `shift` waits while it is empty.
 * `close` lets the reader drain what is left; `fail` wakes everyone with an error.
 */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private closed = false;
  private failure: unknown;
  private hasFailure = false;
  private readonly waitingReaders: (() => void)[] = [];
  private readonly waitingWriters: (() => void)[] = [];

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`queue capacity must be at least 1, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  /** Adds an item, waiting while the queue is full. */
  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.hasFailure) {
      await new Promise<void>((resolve) => this.waitingWriters.push(resolve));
    }
    if (this.hasFailure) throw this.failure;
    if (this.closed) throw new Error('push after close');
    this.items.push(item);
    this.waitingReaders.shift()?.();
  }

  /** Takes the oldest item; resolves undefined once closed and drained. */
  async shift(): Promise<T | undefined> {
    while (this.items.length === 0 && !this.closed && !this.hasFailure) {
      await new Promise<void>((resolve) => this.waitingReaders.push(resolve));
    }
    if (this.hasFailure) throw this.failure;
    const item = this.items.shift();
    this.waitingWriters.shift()?.();
    return item;
  }

  /** No more items will come; readers finish once the queue is empty. */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  /** Aborts both sides: pending and future calls reject with `error`. */
  fail(error: unknown): void {
    if (this.hasFailure) return;
    this.hasFailure = true;
    this.failure = error;
    this.wakeAll();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const item = await this.shift();
      if (item === undefined) return;
      yield item;
    }
  }

  private wakeAll(): void {
    for (const wake of this.waitingReaders.splice(0)) wake();
    for (const wake of this.waitingWriters.splice(0)) wake();
  }
}

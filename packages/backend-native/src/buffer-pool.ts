/**
 * Recycles the Float32Arrays that native kernels write their outputs into. A fresh `Float32Array`
 * of a few megabytes costs page faults and zeroing on first touch, and garbage-collection pressure
 * later: tens of milliseconds per large tensor in a training step, more than the kernel itself.
 *
 * A buffer returns to the pool only when no tensor data refers to it any more and it never
 * escaped: the backend counts, per pooled ArrayBuffer, the data ids whose values live in it (views
 * made by cpu kernels, such as a contiguous slice, count too), and a buffer handed out by
 * `readSync`/`read`/`bufferSync` (`tensor.dataSync()` returns the backend's own array) is never
 * recycled. Free buffers are kept per length, up to `capacityBytes` in total. A buffer freed into
 * a full pool makes room by evicting idle buffers: free ones that no allocation took during the
 * last `staleAfter` allocations, oldest first; when there are none, it is refused. Without eviction
 * a pool filled by one phase of work (the training step's shapes) would refuse every buffer of the
 * next phase (the k-NN evaluation's), which then allocated afresh for every tensor: 3x slower
 * evaluations, and the garbage collector busy with the discarded arrays. Evicting the oldest free
 * buffer whatever its age (plain LRU) fixed that but made the iBOT reference step about 5% slower
 * in an A/B run: it kept rotating buffers the training loop was about to take again.
 */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  /** Every free buffer, oldest first (a Map keeps insertion order), with the allocation count when it was freed. */
  private readonly freeOrder = new Map<Float32Array, number>();
  /** Calls of {@link allocate} so far: the pool's clock. */
  private allocations = 0;
  private readonly made = new WeakMap<ArrayBufferLike, Float32Array>();
  private readonly owners = new Map<ArrayBufferLike, number>();
  private readonly escaped = new WeakSet<ArrayBufferLike>();
  private freeBytes = 0;
  private misses = 0;
  private missBytes = 0;
  /** Bytes of pooled buffers handed out and not yet free again, and their highest value so far. */
  private liveBytes = 0;
  private peakLiveBytes = 0;

  /**
   * @param capacityBytes the most bytes kept in free buffers (with `peakFactor`, the least cap).
   * @param staleAfter allocations after which an untaken free buffer may be evicted (8,192: a
   *   few training steps of a small ViT; a training step's buffers are taken again every step).
   * @param peakFactor when above 0, the cap grows to `peakFactor` times the most bytes ever in use
   *   at once, and every free buffer that no allocation took during the last `staleAfter`
   *   allocations is dropped as soon as another buffer is freed. A training step then gets every
   *   buffer of the last step back (a fixed cap below the step's needs made it allocate,
   *   page-fault and collect the excess afresh every step), a new phase of work (an evaluation)
   *   lets the old phase's buffers go, and the free buffers never exceed `peakFactor` times the
   *   process's own peak. (The buffers a step needs, the most of each length in use at once summed
   *   over lengths, exceed its peak in use, as lengths peak at different times: about 1.05x for the
   *   iBOT reference step.)
   */
  constructor(
    private readonly capacityBytes: number,
    private readonly staleAfter = 8192,
    private readonly peakFactor = 0,
  ) {}

  /** The most bytes kept in free buffers now. */
  private get capacity(): number {
    return Math.max(this.capacityBytes, this.peakFactor * this.peakLiveBytes);
  }

  /** A Float32Array of `length` elements with unspecified contents (the caller overwrites all of them). */
  allocate(length: number): Float32Array {
    this.allocations++;
    const list = this.free.get(length);
    const reused = list?.pop();
    if (reused) {
      this.freeOrder.delete(reused);
      this.freeBytes -= reused.byteLength;
      this.handOut(reused.byteLength);
      return reused;
    }
    this.misses++;
    this.missBytes += length * 4;
    const array = new Float32Array(length);
    this.made.set(array.buffer, array);
    this.handOut(array.byteLength);
    return array;
  }

  private handOut(bytes: number): void {
    this.liveBytes += bytes;
    if (this.liveBytes > this.peakLiveBytes) this.peakLiveBytes = this.liveBytes;
  }

  /** Counts one more data id whose values live in `values`' buffer (when it came from this pool). */
  retain(values: unknown): void {
    const buffer = pooledBuffer(values, this.made);
    if (buffer) this.owners.set(buffer, (this.owners.get(buffer) ?? 0) + 1);
  }

  /** Counts one data id fewer; at zero the buffer becomes free (unless it escaped). */
  release(values: unknown): void {
    const buffer = pooledBuffer(values, this.made);
    if (!buffer) return;
    const count = (this.owners.get(buffer) ?? 0) - 1;
    if (count > 0) {
      this.owners.set(buffer, count);
      return;
    }
    this.owners.delete(buffer);
    const array = this.made.get(buffer)!;
    this.liveBytes -= array.byteLength;
    if (this.escaped.has(buffer)) return;
    if (this.peakFactor > 0) while (this.evictOldestIfIdle());
    const capacity = this.capacity;
    if (array.byteLength > capacity) return; // larger than the whole pool: let it be collected
    while (this.freeBytes + array.byteLength > capacity) {
      if (!this.evictOldestIfIdle()) return; // nothing idle to make room: let it be collected
    }
    let list = this.free.get(array.length);
    if (!list) this.free.set(array.length, (list = []));
    list.push(array);
    this.freeOrder.set(array, this.allocations);
    this.freeBytes += array.byteLength;
  }

  /**
   * Drops the free buffer freed longest ago if no allocation took it during the last `staleAfter`
   * allocations (it is the first of its length's list: lists push and pop at the end).
   * @returns whether one was dropped.
   */
  private evictOldestIfIdle(): boolean {
    const next = this.freeOrder.entries().next();
    if (next.done || this.allocations - next.value[1] < this.staleAfter) return false;
    const oldest = next.value[0];
    this.freeOrder.delete(oldest);
    const list = this.free.get(oldest.length)!;
    list.shift();
    if (list.length === 0) this.free.delete(oldest.length);
    this.freeBytes -= oldest.byteLength;
    return true;
  }

  /** Returns a temporary from {@link allocate} that no tensor data refers to. */
  recycle(array: Float32Array): void {
    if (this.made.get(array.buffer) !== array || this.owners.has(array.buffer) || this.escaped.has(array.buffer)) return;
    this.retain(array);
    this.release(array);
  }

  /** Marks `values`' buffer as visible outside the backend: it will never be reused. */
  escape(values: unknown): void {
    const buffer = pooledBuffer(values, this.made);
    if (buffer) this.escaped.add(buffer);
  }

  /**
   * Counters since the pool was made: calls of {@link allocate}, those it served with a new array
   * (misses) and their bytes. A training step whose buffers all come back has no misses after its
   * first steps.
   */
  get stats(): {
    readonly allocations: number;
    readonly misses: number;
    readonly missBytes: number;
    readonly freeBytes: number;
    readonly peakLiveBytes: number;
    readonly capacityBytes: number;
  } {
    return {
      allocations: this.allocations,
      misses: this.misses,
      missBytes: this.missBytes,
      freeBytes: this.freeBytes,
      peakLiveBytes: this.peakLiveBytes,
      capacityBytes: this.capacity,
    };
  }

  /** Bytes held in free buffers. */
  get freeByteCount(): number {
    return this.freeBytes;
  }

  /** Drops every free buffer. */
  clear(): void {
    this.free.clear();
    this.freeOrder.clear();
    this.freeBytes = 0;
  }
}

function pooledBuffer(values: unknown, made: WeakMap<ArrayBufferLike, Float32Array>): ArrayBufferLike | undefined {
  if (!ArrayBuffer.isView(values)) return undefined;
  const buffer = values.buffer;
  return made.has(buffer) ? buffer : undefined;
}

/**
 * Java's HashMap/HashSet iteration order, reproduced.
 *
 * The Java assignors walk several HashMaps (members by id, topics by name,
 * a HashSet of partitions) and their results depend on that walk: the order
 * of topics in a range assignment, which member keeps its extra partition in
 * the sticky assignor, which partition a sticky move picks. To give exactly
 * Java's result, we iterate the same keys in the same order. That order is a
 * pure function of the keys' hash codes, the table capacity (which depends on
 * how the map was built and how many entries it saw) and, within one bucket,
 * the order the keys were added.
 *
 * Not reproduced: a bucket "treeified" into a red-black tree (nine or more
 * keys in one bucket of a table of 64 or more), where Java reorders that
 * bucket's keys; with distinct topic names, member ids and partitions this
 * takes a deliberate hash collision.
 */

/** Java's String.hashCode (over UTF-16 code units, 32-bit wrap-around). */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** TopicPartition.hashCode: 31 * (31 + partition) + topic.hashCode(). */
export function topicPartitionHash(topic: string, partition: number): number {
  return (Math.imul(31, (31 + partition) | 0) + javaStringHash(topic)) | 0;
}

/** Java's String.compareTo: UTF-16 code unit order, which is also JavaScript's `<` on strings. */
export function compareJavaStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** HashMap.hash(): the high half folded into the low half. */
function spread(h: number): number {
  return h ^ (h >>> 16);
}

/** HashMap.tableSizeFor: the smallest power of two at least n (1 for n <= 1). */
export function tableSizeFor(n: number): number {
  let cap = 1;
  while (cap < n) cap *= 2;
  return cap;
}

const TREEIFY_AT = 9; // the bucket length at which Java treeifies (or resizes a small table)
const MIN_TREEIFY_CAPACITY = 64;

interface Entry<K> {
  key: K;
  hash: number;
  seq: number;
}

/**
 * A set that iterates like java.util.HashSet (or a HashMap's key set) built
 * with the given initial capacity and the same sequence of adds and removes.
 * `id` turns a key into a string identity; `hash` is the key's Java hashCode.
 */
export class JavaHashSet<K> {
  private readonly entries = new Map<string, Entry<K>>();
  private capacity = 0;
  private seq = 0;
  private readonly initialCapacity: number;

  /** initialCapacity: as passed to `new HashMap<>(n)` (tableSizeFor is applied), or 16 for the no-argument constructor. */
  constructor(
    private readonly id: (k: K) => string,
    private readonly hash: (k: K) => number,
    initialCapacity = 16,
  ) {
    this.initialCapacity = tableSizeFor(initialCapacity);
  }

  get size(): number {
    return this.entries.size;
  }

  has(k: K): boolean {
    return this.entries.has(this.id(k));
  }

  private threshold(): number {
    return Math.floor(this.capacity * 0.75);
  }

  private bucketLength(h: number): number {
    const mask = this.capacity - 1;
    const b = spread(h) & mask;
    let n = 0;
    for (const e of this.entries.values()) if ((spread(e.hash) & mask) === b) n++;
    return n;
  }

  add(k: K): void {
    const id = this.id(k);
    if (this.entries.has(id)) return;
    if (this.capacity === 0) this.capacity = this.initialCapacity;
    const h = this.hash(k);
    const before = this.bucketLength(h);
    this.entries.set(id, { key: k, hash: h, seq: this.seq++ });
    // A ninth key in one bucket makes Java treeify, or, in a small table, resize instead.
    if (before + 1 >= TREEIFY_AT && this.capacity < MIN_TREEIFY_CAPACITY) this.capacity *= 2;
    if (this.entries.size > this.threshold()) this.capacity *= 2;
  }

  delete(k: K): boolean {
    return this.entries.delete(this.id(k));
  }

  /** Keys in Java's iteration order: by bucket, then by the order they joined the bucket. */
  keys(): K[] {
    const mask = Math.max(1, this.capacity) - 1;
    const list = [...this.entries.values()];
    list.sort((a, b) => (spread(a.hash) & mask) - (spread(b.hash) & mask) || a.seq - b.seq);
    return list.map((e) => e.key);
  }

  /** The first key Java's iterator would return, or undefined when empty. */
  first(): K | undefined {
    const mask = Math.max(1, this.capacity) - 1;
    let best: Entry<K> | undefined;
    let bestBucket = 0;
    for (const e of this.entries.values()) {
      const b = spread(e.hash) & mask;
      if (best === undefined || b < bestBucket || (b === bestBucket && e.seq < best.seq)) {
        best = e;
        bestBucket = b;
      }
    }
    return best?.key;
  }
}

/** The order a default `new HashMap<>()`/`new HashSet<>()` iterates strings added in this order. */
export function javaHashOrder(keys: Iterable<string>, initialCapacity = 16): string[] {
  const set = new JavaHashSet<string>((s) => s, javaStringHash, initialCapacity);
  for (const k of keys) set.add(k);
  return set.keys();
}

// A loaded configuration (with its resolved resource spec) is shared by every
// part of the daemon: freezing it deeply turns an accidental write anywhere
// into an immediate TypeError instead of a silent divergence between parts.
// The one deep freeze of the code base: the resource manager freezes each of
// its states with it too.

/** A Map that refuses changes once built (Object.freeze does not stop Map.set). */
class FrozenMap<K, V> extends Map<K, V> {
  #sealed = false;
  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [k, v] of entries) super.set(k, v);
    this.#sealed = true;
  }
  override set(key: K, value: V): this {
    if (this.#sealed) throw new TypeError('this map is part of a frozen configuration');
    return super.set(key, value);
  }
  override delete(): boolean {
    throw new TypeError('this map is part of a frozen configuration');
  }
  override clear(): void {
    throw new TypeError('this map is part of a frozen configuration');
  }
}

/** Freezes a plain data tree (objects, arrays, Maps) in place and returns it. */
export function deepFreeze<T>(value: T): T {
  return freeze(value, 0) as T;
}

const MAX_DEPTH = 32;

function freeze(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (depth > MAX_DEPTH) throw new RangeError('configuration nests too deeply to freeze');
  if (value instanceof Map) {
    return Object.freeze(new FrozenMap([...value].map(([k, v]) => [freeze(k, depth + 1), freeze(v, depth + 1)] as const)));
  }
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    const frozen = freeze(child, depth + 1);
    if (frozen !== child) (value as Record<string, unknown>)[key] = frozen;
  }
  return Object.freeze(value);
}

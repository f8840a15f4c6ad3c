/**
 * Just enough of a WebAssembly assembler for kafkawire's few hot loops
 * (CRC-32C, the lz4 compressor): instructions as byte arrays, and a module
 * of i32 functions with one exported memory. Writing the loops here, instead
 * of shipping a compiled binary, keeps every byte of them reviewable.
 */

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** i32 instructions; memory accesses take a constant offset added to the address on the stack. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  call: (fn: number) => [0x10, ...uleb(fn)],
  return: [0x0f],
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  tee: (local: number) => [0x22, ...uleb(local)],
  const: (v: number) => [0x41, ...sleb(v)],
  load: (offset = 0) => [0x28, 0x02, ...uleb(offset)],
  load8: (offset = 0) => [0x2d, 0x00, ...uleb(offset)],
  store: (offset = 0) => [0x36, 0x02, ...uleb(offset)],
  store8: (offset = 0) => [0x3a, 0x00, ...uleb(offset)],
  /** memory.copy: destination, source, length on the stack. */
  copy: [0xfc, 0x0a, 0x00, 0x00],
  eqz: [0x45],
  ne: [0x47],
  ltS: [0x48],
  gtS: [0x4a],
  leS: [0x4c],
  geS: [0x4e],
  geU: [0x4f],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  and: [0x71],
  or: [0x72],
  xor: [0x73],
  shl: [0x74],
  shrU: [0x76],
};

const I32 = 0x7f;

export interface WasmFunction {
  params: number;
  /** i32 locals after the parameters. */
  locals: number;
  /** Instructions, without the final `end`. */
  code: number[];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

/**
 * A module of functions over i32 that each return one i32, with a memory of
 * `pages` 64 KiB pages (fixed) exported as "memory", and the functions named
 * in `exports` (name → function index) exported.
 */
export function moduleBytes(functions: WasmFunction[], pages: number, exports: Record<string, number>): Uint8Array {
  const types = functions.flatMap((f) => [0x60, ...uleb(f.params), ...Array<number>(f.params).fill(I32), 1, I32]);
  const bodies = functions.flatMap((f) => {
    const body = [...(f.locals > 0 ? [1, ...uleb(f.locals), I32] : [0]), ...f.code, ...op.end];
    return [...uleb(body.length), ...body];
  });
  const exported = Object.entries(exports).flatMap(([n, index]) => [...name(n), 0x00, ...uleb(index)]);
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...uleb(functions.length), ...types]),
    ...section(3, [...uleb(functions.length), ...functions.map((_, i) => i)]),
    ...section(5, [1, 1, ...uleb(pages), ...uleb(pages)]),
    ...section(7, [...uleb(Object.keys(exports).length + 1), ...exported, ...name('memory'), 0x02, 0]),
    ...section(10, [...uleb(functions.length), ...bodies]),
  ]);
}

/** The part of the WebAssembly global used here (the project's TypeScript libs do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

/** Instantiates a module, or null where WebAssembly cannot run (node --jitless, or a runtime without it). */
export function instantiate<T>(bytes: Uint8Array): (T & { memory: { buffer: ArrayBuffer } }) | null {
  try {
    const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
    if (!wasm) return null;
    return new wasm.Instance(new wasm.Module(bytes)).exports as T & { memory: { buffer: ArrayBuffer } };
  } catch {
    return null;
  }
}

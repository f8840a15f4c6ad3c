/**
 * The CRC-32C loop as a WebAssembly function, assembled here from its
 * instructions by wasm-asm.ts (no toolchain, no binary blob to trust). It runs the same
 * slicing-by-16 algorithm as the JavaScript loop in crc32c.ts, but WebAssembly
 * table loads need no bounds check and no tagging, which makes it 1.5-3x
 * faster on the same machine (see bench/codec/records.bench.ts).
 *
 * Memory layout: the sixteen 256-entry tables (16 KiB) at address 0, then a
 * 64 KiB window that input is copied into, a window at a time; the memory
 * never grows, so a huge batch costs no more memory than a small one.
 */

import { instantiate, moduleBytes, op } from './wasm-asm.js';

/** Bytes of input per call into WebAssembly. */
const WINDOW = 65536;
const TABLE_BYTES = 16 * 256 * 4;

/** update(state, bytes): the running CRC register after `bytes` (no final inversion). */
export type Crc32cUpdate = (state: number, bytes: Uint8Array) => number;

// Locals: the three parameters, then the work registers.
const P = 0; // address of the next input byte
const N = 1; // input length
const C = 2; // CRC register
const STOP = 3;
const END16 = 4;
const WORDS = [5, 6, 7, 8];

/** Table k's entry for byte `shift / 8` of local `w`: the entry's address is (byte << 2) + k * 1024. */
function lookup(w: number, shift: number, k: number): number[] {
  const address = shift === 0 ? [...op.const(2), ...op.shl] : [...op.const(shift - 2), ...op.shrU];
  return [...op.get(w), ...address, ...op.const(1020), ...op.and, ...op.load(k * 1024)];
}

function functionBody(): number[] {
  const fold: number[] = [];
  WORDS.forEach((w, j) => {
    // Word j of 16 bytes: its bytes go through tables 15-4j down to 12-4j.
    const k = 15 - 4 * j;
    fold.push(...lookup(w, 0, k), ...lookup(w, 8, k - 1), ...op.xor, ...lookup(w, 16, k - 2), ...op.xor, ...lookup(w, 24, k - 3), ...op.xor);
    if (j > 0) fold.push(...op.xor);
  });
  const code = [
    ...op.get(P), ...op.get(N), ...op.add, ...op.set(STOP),
    ...op.get(P), ...op.get(N), ...op.const(-16), ...op.and, ...op.add, ...op.set(END16),
    // 16 bytes per step.
    ...op.block, ...op.loop,
    ...op.get(P), ...op.get(END16), ...op.geU, ...op.brIf(1),
    ...op.get(P), ...op.load(0), ...op.get(C), ...op.xor, ...op.set(WORDS[0]!),
    ...op.get(P), ...op.load(4), ...op.set(WORDS[1]!),
    ...op.get(P), ...op.load(8), ...op.set(WORDS[2]!),
    ...op.get(P), ...op.load(12), ...op.set(WORDS[3]!),
    ...fold, ...op.set(C),
    ...op.get(P), ...op.const(16), ...op.add, ...op.set(P),
    ...op.br(0),
    ...op.end, ...op.end,
    // The last 0-15 bytes one at a time, through table 0.
    ...op.block, ...op.loop,
    ...op.get(P), ...op.get(STOP), ...op.geU, ...op.brIf(1),
    ...op.get(C), ...op.const(8), ...op.shrU,
    ...op.get(C), ...op.get(P), ...op.load8(), ...op.xor, ...op.const(255), ...op.and, ...op.const(2), ...op.shl, ...op.load(0),
    ...op.xor, ...op.set(C),
    ...op.get(P), ...op.const(1), ...op.add, ...op.set(P),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.get(C),
  ];
  return code;
}

/** The module: crc(p, n, c) -> c over memory[p, p + n), and its memory (fixed size). */
export function crc32cModuleBytes(): Uint8Array {
  return moduleBytes([{ params: 3, locals: 6, code: functionBody() }], Math.ceil((TABLE_BYTES + WINDOW) / 65536), { crc: 0 });
}

/**
 * The WebAssembly update function over `tables` (the flat slicing tables of
 * crc32c.ts), or null where WebAssembly cannot run (node --jitless, or a
 * runtime without it): the caller then keeps its JavaScript loop.
 */
export function createWasmCrc32c(tables: Int32Array): Crc32cUpdate | null {
  const exports = instantiate<{ crc(p: number, n: number, c: number): number }>(crc32cModuleBytes());
  if (exports === null) return null;
  const { crc, memory } = exports;
  // WebAssembly memory is little-endian whatever the platform's byte order.
  const view = new DataView(memory.buffer);
  for (let i = 0; i < tables.length; i++) view.setInt32(i * 4, tables[i]!, true);
  const window = new Uint8Array(memory.buffer, TABLE_BYTES, WINDOW);
  return (state, bytes) => {
    const n = bytes.length;
    for (let at = 0; at < n; at += WINDOW) {
      const len = Math.min(WINDOW, n - at);
      window.set(len === n ? bytes : bytes.subarray(at, at + len));
      state = crc(TABLE_BYTES, len, state);
    }
    return state;
  };
}

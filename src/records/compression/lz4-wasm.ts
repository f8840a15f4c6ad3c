/**
 * lz4CompressBlock (lz4-block.ts) as WebAssembly: the same greedy
 * single-probe matcher, the same hash, the same skip acceleration, so it emits
 * the same bytes, only faster. One block at a time: the block is copied into a
 * fixed 64 KiB window, compressed into an output window, and copied out; the
 * hash table is cleared per block, which is what the JavaScript version's
 * "entries before the block start are ignored" amounts to.
 */
import { instantiate, moduleBytes, op } from '../../codec/wasm-asm.js';
import { LZ4_NO_PROBE, LZ4_PROBE_BYTES } from './lz4-block.js';

const TABLE = 0;
const TABLE_BYTES = 4096 * 4;
/** Largest block compressed here (Kafka's lz4 frames use 64 KiB blocks); larger ones go to the JavaScript version. */
export const LZ4_WASM_MAX_BLOCK = 65536;
const SRC = TABLE_BYTES;
const DST = SRC + LZ4_WASM_MAX_BLOCK;
/** lz4BlockBound(64 KiB), rounded up. */
const DST_BYTES = LZ4_WASM_MAX_BLOCK + Math.floor(LZ4_WASM_MAX_BLOCK / 255) + 16;
const PAGES = Math.ceil((DST + DST_BYTES) / 65536);

const HASH_MULTIPLIER = -1640531535;

// writeSequence(op, litStart, litEnd, offset, matchLength) -> op
const W_OP = 0;
const W_LIT_START = 1;
const W_LIT_END = 2;
const W_OFFSET = 3;
const W_MATCH = 4;
const W_LIT_LEN = 5;
const W_TOKEN_POS = 6;
const W_TOKEN = 7;
const W_REST = 8;

/** Writes local `rest` as length extension bytes (255s, then the remainder) at W_OP. */
function lengthTail(): number[] {
  return [
    ...op.block, ...op.loop,
    ...op.get(W_REST), ...op.const(255), ...op.ltS, ...op.brIf(1),
    ...op.get(W_OP), ...op.const(255), ...op.store8(),
    ...op.get(W_OP), ...op.const(1), ...op.add, ...op.set(W_OP),
    ...op.get(W_REST), ...op.const(255), ...op.sub, ...op.set(W_REST),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.get(W_OP), ...op.get(W_REST), ...op.store8(),
    ...op.get(W_OP), ...op.const(1), ...op.add, ...op.set(W_OP),
  ];
}

function writeSequence(): number[] {
  return [
    ...op.get(W_LIT_END), ...op.get(W_LIT_START), ...op.sub, ...op.set(W_LIT_LEN),
    ...op.get(W_OP), ...op.set(W_TOKEN_POS),
    ...op.get(W_OP), ...op.const(1), ...op.add, ...op.set(W_OP),
    ...op.get(W_LIT_LEN), ...op.const(15), ...op.geS,
    ...op.if,
    ...op.const(0xf0), ...op.set(W_TOKEN),
    ...op.get(W_LIT_LEN), ...op.const(15), ...op.sub, ...op.set(W_REST),
    ...lengthTail(),
    ...op.else,
    ...op.get(W_LIT_LEN), ...op.const(4), ...op.shl, ...op.set(W_TOKEN),
    ...op.end,
    ...op.get(W_OP), ...op.get(W_LIT_START), ...op.get(W_LIT_LEN), ...op.copy,
    ...op.get(W_OP), ...op.get(W_LIT_LEN), ...op.add, ...op.set(W_OP),
    ...op.get(W_MATCH), ...op.const(0), ...op.gtS,
    ...op.if,
    ...op.get(W_OP), ...op.get(W_OFFSET), ...op.store8(),
    ...op.get(W_OP), ...op.get(W_OFFSET), ...op.const(8), ...op.shrU, ...op.store8(1),
    ...op.get(W_OP), ...op.const(2), ...op.add, ...op.set(W_OP),
    ...op.get(W_MATCH), ...op.const(4), ...op.sub, ...op.set(W_REST),
    ...op.get(W_REST), ...op.const(15), ...op.geS,
    ...op.if,
    ...op.get(W_TOKEN), ...op.const(15), ...op.or, ...op.set(W_TOKEN),
    ...op.get(W_REST), ...op.const(15), ...op.sub, ...op.set(W_REST),
    ...lengthTail(),
    ...op.else,
    ...op.get(W_TOKEN), ...op.get(W_REST), ...op.or, ...op.set(W_TOKEN),
    ...op.end,
    ...op.end,
    ...op.get(W_TOKEN_POS), ...op.get(W_TOKEN), ...op.store8(),
    ...op.get(W_OP),
  ];
}

// compress(start, end, op) -> op
const START = 0;
const END = 1;
const OUT = 2;
const ANCHOR = 3;
const IP = 4;
const MISSES = 5;
const LAST_MATCH_START = 6;
const MATCH_END_LIMIT = 7;
const SEQ = 8;
const SLOT = 9;
const REF = 10;
const M_START = 11;
const R_START = 12;
const M_END = 13;
const R_END = 14;
const PROBE_AT = 15;
const OUT0 = 16;

/** The table slot's address for the 32-bit word on the stack. */
const slotOf = (): number[] => [...op.const(HASH_MULTIPLIER), ...op.mul, ...op.const(20), ...op.shrU, ...op.const(2), ...op.shl];

function compress(): number[] {
  const WRITE_SEQUENCE = 1;
  return [
    ...op.get(START), ...op.set(ANCHOR),
    ...op.get(START), ...op.set(IP),
    ...op.get(END), ...op.const(12), ...op.sub, ...op.set(LAST_MATCH_START),
    ...op.get(END), ...op.const(5), ...op.sub, ...op.set(MATCH_END_LIMIT),
    ...op.get(OUT), ...op.set(OUT0),
    ...op.const(LZ4_NO_PROBE), ...op.set(PROBE_AT),
    ...op.get(END), ...op.get(START), ...op.sub, ...op.const(2 * LZ4_PROBE_BYTES), ...op.gtS,
    ...op.if, ...op.get(START), ...op.const(LZ4_PROBE_BYTES), ...op.add, ...op.set(PROBE_AT), ...op.end,
    ...op.block, ...op.loop, // scan: depth 0 loop, 1 done
    ...op.get(IP), ...op.get(LAST_MATCH_START), ...op.gtS, ...op.brIf(1),
    // The probe: give up (-1) on a block whose first LZ4_PROBE_BYTES did not shrink at all.
    ...op.get(IP), ...op.get(PROBE_AT), ...op.geS,
    ...op.if,
    ...op.get(OUT), ...op.get(OUT0), ...op.sub, ...op.get(IP), ...op.get(ANCHOR), ...op.sub, ...op.add,
    ...op.get(IP), ...op.get(START), ...op.sub, ...op.geS,
    ...op.if, ...op.const(-1), ...op.return, ...op.end,
    ...op.const(LZ4_NO_PROBE), ...op.set(PROBE_AT),
    ...op.end,
    ...op.get(IP), ...op.load(), ...op.set(SEQ),
    ...op.get(SEQ), ...slotOf(), ...op.set(SLOT),
    ...op.get(SLOT), ...op.load(TABLE), ...op.const(1), ...op.sub, ...op.set(REF),
    ...op.get(SLOT), ...op.get(IP), ...op.const(1), ...op.add, ...op.store(TABLE),
    ...op.block, // match
    ...op.block, // miss
    ...op.get(REF), ...op.get(START), ...op.ltS, ...op.brIf(0),
    ...op.get(IP), ...op.get(REF), ...op.sub, ...op.const(65535), ...op.gtS, ...op.brIf(0),
    ...op.get(REF), ...op.load(), ...op.get(SEQ), ...op.ne, ...op.brIf(0),
    ...op.br(1),
    ...op.end,
    // A miss: step further the longer nothing matched.
    ...op.get(IP), ...op.const(1), ...op.add, ...op.get(MISSES), ...op.const(6), ...op.shrU, ...op.add, ...op.set(IP),
    ...op.get(MISSES), ...op.const(1), ...op.add, ...op.set(MISSES),
    ...op.br(1), // to scan
    ...op.end,
    ...op.const(0), ...op.set(MISSES),
    // Backwards over literals that also match.
    ...op.get(IP), ...op.set(M_START),
    ...op.get(REF), ...op.set(R_START),
    ...op.block, ...op.loop,
    ...op.get(M_START), ...op.get(ANCHOR), ...op.leS, ...op.brIf(1),
    ...op.get(R_START), ...op.get(START), ...op.leS, ...op.brIf(1),
    ...op.get(M_START), ...op.const(1), ...op.sub, ...op.load8(),
    ...op.get(R_START), ...op.const(1), ...op.sub, ...op.load8(),
    ...op.ne, ...op.brIf(1),
    ...op.get(M_START), ...op.const(1), ...op.sub, ...op.set(M_START),
    ...op.get(R_START), ...op.const(1), ...op.sub, ...op.set(R_START),
    ...op.br(0),
    ...op.end, ...op.end,
    // Forwards, four bytes at a time, then byte by byte, up to where the last literals begin.
    ...op.get(IP), ...op.const(4), ...op.add, ...op.set(M_END),
    ...op.get(REF), ...op.const(4), ...op.add, ...op.set(R_END),
    ...op.block, ...op.loop,
    ...op.get(M_END), ...op.const(4), ...op.add, ...op.get(MATCH_END_LIMIT), ...op.gtS, ...op.brIf(1),
    ...op.get(M_END), ...op.load(), ...op.get(R_END), ...op.load(), ...op.ne, ...op.brIf(1),
    ...op.get(M_END), ...op.const(4), ...op.add, ...op.set(M_END),
    ...op.get(R_END), ...op.const(4), ...op.add, ...op.set(R_END),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.block, ...op.loop,
    ...op.get(M_END), ...op.get(MATCH_END_LIMIT), ...op.geS, ...op.brIf(1),
    ...op.get(M_END), ...op.load8(), ...op.get(R_END), ...op.load8(), ...op.ne, ...op.brIf(1),
    ...op.get(M_END), ...op.const(1), ...op.add, ...op.set(M_END),
    ...op.get(R_END), ...op.const(1), ...op.add, ...op.set(R_END),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.get(OUT), ...op.get(ANCHOR), ...op.get(M_START),
    ...op.get(M_START), ...op.get(R_START), ...op.sub,
    ...op.get(M_END), ...op.get(M_START), ...op.sub,
    ...op.call(WRITE_SEQUENCE), ...op.set(OUT),
    ...op.get(M_END), ...op.tee(IP), ...op.set(ANCHOR),
    // Index a position inside the match just emitted.
    ...op.get(IP), ...op.const(2), ...op.sub, ...op.get(START), ...op.gtS,
    ...op.if,
    ...op.get(IP), ...op.const(2), ...op.sub, ...op.get(LAST_MATCH_START), ...op.leS,
    ...op.if,
    ...op.get(IP), ...op.const(2), ...op.sub, ...op.load(), ...slotOf(),
    ...op.get(IP), ...op.const(1), ...op.sub,
    ...op.store(TABLE),
    ...op.end,
    ...op.end,
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.get(OUT), ...op.get(ANCHOR), ...op.get(END), ...op.const(0), ...op.const(0), ...op.call(WRITE_SEQUENCE),
  ];
}

/** The module: compress(start, end, out) -> out end (or -1: given up on), and writeSequence. */
export function lz4ModuleBytes(): Uint8Array {
  return moduleBytes(
    [
      { params: 3, locals: 14, code: compress() },
      { params: 5, locals: 4, code: writeSequence() },
    ],
    PAGES,
    { compress: 0 },
  );
}

/** Same contract as lz4CompressBlock (-1 included) for blocks up to LZ4_WASM_MAX_BLOCK bytes (no table: each block starts afresh). */
export type Lz4BlockCompressor = (src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number) => number;

/** The WebAssembly block compressor, or null where WebAssembly cannot run. */
export function createWasmLz4(): Lz4BlockCompressor | null {
  const exports = instantiate<{ compress(start: number, end: number, out: number): number }>(lz4ModuleBytes());
  if (exports === null) return null;
  const { compress: run, memory } = exports;
  const mem = new Uint8Array(memory.buffer);
  const table = new Int32Array(memory.buffer, TABLE, TABLE_BYTES / 4);
  return (src, start, end, dst, at) => {
    const n = end - start;
    if (n > LZ4_WASM_MAX_BLOCK || n < 0) throw new RangeError(`lz4 block of ${n} bytes is larger than ${LZ4_WASM_MAX_BLOCK}`);
    table.fill(0);
    mem.set(src.subarray(start, end), SRC);
    const outEnd = run(SRC, SRC + n, DST);
    if (outEnd < 0) return -1;
    dst.set(mem.subarray(DST, outEnd), at);
    return at + (outEnd - DST);
  };
}

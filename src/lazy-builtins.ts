/**
 * node:tls, node:crypto and node:zlib, loaded when first used rather than when
 * kafkawire is imported. Together they were about a quarter of the import's
 * CPU time (some 25 ms on the bench machine), and a client without TLS, SASL
 * SCRAM or gzip/zstd never needs them. process.getBuiltinModule (Node.js
 * 20.16+) loads a built-in synchronously and returns the same module each time.
 */
import type * as Crypto from 'node:crypto';
import type * as Tls from 'node:tls';
import type * as Zlib from 'node:zlib';

export const nodeTls = (): typeof Tls => process.getBuiltinModule('node:tls');
export const nodeCrypto = (): typeof Crypto => process.getBuiltinModule('node:crypto');
export const nodeZlib = (): typeof Zlib => process.getBuiltinModule('node:zlib');

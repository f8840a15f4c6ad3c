import { describe, expect, it } from 'vitest';
import { KafkaConfigError, UnsupportedCompressionError } from '../../../src/errors.js';
import {
  COMPRESSION_TYPE_IDS,
  compressionTypeId,
  compressionTypeName,
  getCodec,
  gzipCodec,
  lz4Codec,
  registerBuiltinCodecs,
  registerCodec,
  registeredCodecs,
  snappyCodec,
  zstdCodec,
  type CompressionCodec,
} from '../../../src/records/compression/index.js';
import { expectThrow } from './helpers.js';

describe('compression type ids', () => {
  it('maps names to the ids Kafka stores in batch attributes', () => {
    expect(compressionTypeId('none')).toBe(0);
    expect(compressionTypeId('gzip')).toBe(1);
    expect(compressionTypeId('snappy')).toBe(2);
    expect(compressionTypeId('lz4')).toBe(3);
    expect(compressionTypeId('zstd')).toBe(4);
  });

  it('maps ids back to names', () => {
    for (const [name, id] of Object.entries(COMPRESSION_TYPE_IDS)) expect(compressionTypeName(id)).toBe(name);
  });

  it('rejects unknown names and ids with an error that names them', () => {
    expectThrow(() => compressionTypeId('brotli'), UnsupportedCompressionError, /"brotli"/);
    expectThrow(() => compressionTypeId('toString'), UnsupportedCompressionError, /"toString"/);
    expectThrow(() => compressionTypeName(5), UnsupportedCompressionError, /id 5\b/);
    expectThrow(() => compressionTypeName(-1), UnsupportedCompressionError, /id -1\b/);
    expectThrow(() => compressionTypeName(1.5), UnsupportedCompressionError, /id 1\.5\b/);
  });
});

describe('codec registry', () => {
  it('has the four built-ins under their ids and names', () => {
    const builtins = [gzipCodec, snappyCodec, lz4Codec, zstdCodec];
    for (const codec of builtins) {
      expect(getCodec(codec.id)).toBe(codec);
      expect(getCodec(codec.name)).toBe(codec);
      expect(codec.id).toBe(COMPRESSION_TYPE_IDS[codec.name]);
    }
    expect(registeredCodecs().map((c) => c.name)).toEqual(['gzip', 'snappy', 'lz4', 'zstd']);
  });

  it('has no codec for "none", and says why', () => {
    expectThrow(() => getCodec(0), UnsupportedCompressionError, /none/);
    expectThrow(() => getCodec('none'), UnsupportedCompressionError, /none/);
  });

  it('names the codec it cannot find', () => {
    expectThrow(() => getCodec(6), UnsupportedCompressionError, /id 6\b/);
    expectThrow(() => getCodec('lzma'), UnsupportedCompressionError, /"lzma"/);
  });

  it('lets a user replace a codec and put the old one back', () => {
    const calls: string[] = [];
    const custom: CompressionCodec = {
      id: 3,
      name: 'lz4',
      compress: (data) => {
        calls.push('compress');
        return lz4Codec.compress(data);
      },
      decompress: (data, max) => {
        calls.push('decompress');
        return lz4Codec.decompress(data, max);
      },
    };
    const previous = registerCodec(custom);
    try {
      expect(previous).toBe(lz4Codec);
      const codec = getCodec('lz4');
      expect(codec).toBe(custom);
      expect(codec.decompress(codec.compress(Buffer.from('plug-in')), 100).toString()).toBe('plug-in');
      expect(calls).toEqual(['compress', 'decompress']);
    } finally {
      registerCodec(previous!);
    }
    expect(getCodec(3)).toBe(lz4Codec);
  });

  it('rejects a codec whose id and name disagree, or that lacks functions', () => {
    const fake = (id: number, name: string): CompressionCodec =>
      ({ id, name, compress: () => Buffer.alloc(0), decompress: () => Buffer.alloc(0) }) as unknown as CompressionCodec;
    expectThrow(() => registerCodec(fake(3, 'zstd')), KafkaConfigError, /lz4/);
    expectThrow(() => registerCodec(fake(0, 'gzip')), KafkaConfigError, /id 0/);
    expectThrow(() => registerCodec(fake(9, 'gzip')), KafkaConfigError, /id 9/);
    expectThrow(
      () => registerCodec({ id: 1, name: 'gzip' } as unknown as CompressionCodec),
      KafkaConfigError,
      /compress/,
    );
    // Nothing above changed the registry.
    expect(getCodec(1)).toBe(gzipCodec);
    expect(getCodec(3)).toBe(lz4Codec);
  });

  it('registerBuiltinCodecs restores the defaults', () => {
    const stub: CompressionCodec = { ...gzipCodec, compress: () => Buffer.from('x') };
    registerCodec(stub);
    expect(getCodec('gzip')).toBe(stub);
    registerBuiltinCodecs();
    expect(getCodec('gzip')).toBe(gzipCodec);
  });
});

describe('maxOutputBytes validation', () => {
  const codecs = [gzipCodec, snappyCodec, lz4Codec];
  it.each(codecs.map((c) => [c.name, c] as const))('%s rejects a bound that is not a whole non-negative number', (_n, codec) => {
    const data = codec.compress(Buffer.from('abc'));
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectThrow(() => codec.decompress(data, bad), KafkaConfigError, /maxOutputBytes/);
    }
  });
});

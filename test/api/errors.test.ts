// Broker codes that mean "not allowed" are KafkaAuthorizationError, and still
// KafkaBrokerError with their code and name, whoever made the error.
import { describe, expect, it } from 'vitest';
import { ERROR_TABLE } from '../../src/messages/generated/error-codes.js';
import { errorFor } from '../../src/protocol.js';
import { ErrorCode, KafkaAuthenticationError, KafkaAuthorizationError, KafkaBrokerError, KafkaError, KafkaTlsError } from '../../src/index.js';

describe('KafkaAuthorizationError', () => {
  it('is what errorFor gives for every *_AUTHORIZATION_FAILED code, and for no other code', () => {
    const auth = ERROR_TABLE.filter(([code, name]) => code !== 0 && name.endsWith('_AUTHORIZATION_FAILED')).map(([code]) => code);
    expect(auth).toEqual(expect.arrayContaining([ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]));
    for (const [code, name] of ERROR_TABLE) {
      if (code === 0) continue;
      const e = errorFor(code, { api: 'Produce', version: 11, topic: 't' });
      expect(e, name).toBeInstanceOf(KafkaBrokerError);
      expect(e).toBeInstanceOf(KafkaError);
      expect(e.code).toBe(code);
      expect(e.errorName).toBe(name);
      expect(e instanceof KafkaAuthorizationError, name).toBe(auth.includes(code));
      if (auth.includes(code)) {
        expect(e.retriable).toBe(false);
        expect(e.name).toBe('KafkaAuthorizationError');
        expect(e.message).toMatch(/not authorized/);
      }
    }
  });

  it('also covers a KafkaBrokerError built directly with an authorization code', () => {
    const direct = new KafkaBrokerError(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'from a module that did not use errorFor', false);
    expect(direct).toBeInstanceOf(KafkaAuthorizationError);
    expect(new KafkaBrokerError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'x', true)).not.toBeInstanceOf(KafkaAuthorizationError);
    expect(new Error('plain')).not.toBeInstanceOf(KafkaAuthorizationError);
    expect((null as unknown as object) instanceof KafkaAuthorizationError).toBe(false);
  });

  it('leaves the other classes alone: instanceof still follows the prototype chain', () => {
    const e = errorFor(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(e).not.toBeInstanceOf(KafkaAuthenticationError);
    expect(e).not.toBeInstanceOf(KafkaTlsError);
    class Narrower extends KafkaAuthorizationError {}
    expect(e).not.toBeInstanceOf(Narrower);
    expect(new Narrower(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'x')).toBeInstanceOf(KafkaAuthorizationError);
  });
});

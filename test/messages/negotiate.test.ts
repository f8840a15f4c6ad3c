import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnsupportedVersionError } from '../../src/errors.js';
import { chooseVersion } from '../../src/messages/negotiate.js';
import { API_DEFINITIONS, api } from '../../src/protocol.js';

describe('version negotiation', () => {
  it('picks min(our max, the broker max, the cap) when the ranges meet', () => {
    fc.assert(
      fc.property(fc.constantFrom(...API_DEFINITIONS), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }), (def, a, b, cap) => {
        const broker = { minVersion: Math.min(a, b), maxVersion: Math.max(a, b) };
        const caps = cap === undefined ? {} : { [def.name]: cap };
        const top = Math.min(def.maxVersion, broker.maxVersion, cap ?? Infinity);
        if (top < def.minVersion || top < broker.minVersion) {
          expect(() => chooseVersion(def, broker, caps)).toThrow(UnsupportedVersionError);
        } else {
          expect(chooseVersion(def, broker, caps)).toBe(top);
        }
      }),
    );
  });

  it('names the API and both ranges when they do not meet', () => {
    const fetch = api('Fetch');
    expect(() => chooseVersion(fetch, { minVersion: 40, maxVersion: 45 }, {}, 'broker 2')).toThrow(
      `no common version of Fetch (API key 1): kafkawire speaks 0–${fetch.maxVersion}, broker 2 40–45`,
    );
    expect(() => chooseVersion(fetch, { minVersion: 4, maxVersion: 17 }, { Fetch: 3 })).toThrow(/capped at 3/);
    expect(() => chooseVersion(fetch, undefined, {}, 'broker 1')).toThrow(/broker 1 does not support Fetch/);
  });
});

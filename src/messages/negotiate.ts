// Version negotiation: for each API, the newest version both sides speak,
// optionally capped by the user (old brokers, testing old code paths).
import { UnsupportedVersionError } from '../errors.js';
import type { ApiDefinition } from './generated/index.js';

/** What a broker said it supports for one API (from its ApiVersions answer). */
export interface BrokerApiRange {
  minVersion: number;
  maxVersion: number;
}

/** Per-API version caps, by API name: `{ Fetch: 11 }`. */
export type VersionCaps = Partial<Record<string, number>>;

/**
 * The version to use for `api` with a broker advertising `broker` (undefined
 * when it did not list the API at all): min(our max, its max, the user's cap),
 * provided that is not below either side's minimum.
 */
export function chooseVersion(api: ApiDefinition, broker: BrokerApiRange | undefined, caps: VersionCaps = {}, brokerName = 'the broker'): number {
  const cap = caps[api.name];
  const ourMax = cap === undefined ? api.maxVersion : Math.min(api.maxVersion, cap);
  if (!broker) {
    throw new UnsupportedVersionError(`${brokerName} does not support ${api.name} (API key ${api.key}) at all; kafkawire speaks versions ${api.minVersion}–${api.maxVersion}`, {
      api: api.name,
    });
  }
  const v = Math.min(ourMax, broker.maxVersion);
  if (v < api.minVersion || v < broker.minVersion) {
    throw new UnsupportedVersionError(
      `no common version of ${api.name} (API key ${api.key}): kafkawire speaks ${api.minVersion}–${ourMax}${cap === undefined ? '' : ` (capped at ${cap})`}, ` +
        `${brokerName} ${broker.minVersion}–${broker.maxVersion}`,
      { api: api.name },
    );
  }
  return v;
}

// Looks APIs up by key or name, and loads their codecs.
//
// Every API's key and versions are known from the start (version negotiation
// needs nothing more); its encoders and decoders are imported the first time
// it is used. A process that only produces loads the codecs of a handful of
// APIs instead of all of them, which is a large share of its start-up time.
// The APIs every connection needs before it can carry anything are loaded with
// the library.
import { decodeApiVersionsRequest, decodeApiVersionsResponse, encodeApiVersionsRequest, encodeApiVersionsResponse } from './generated/18-api-versions.js';
import { codecs, type ApiCodecs } from './api-types.js';
import { API_TABLE, ApiKeys, type ApiDefinition, type ApiName } from './generated/apis.js';

const notLoaded = (): never => {
  throw new Error('internal: codecs used before they were loaded (call loadApi first)');
};

const byKey = new Map<number, ApiDefinition>();
const loaders = new Map<number, Promise<void>>();

for (const row of API_TABLE) {
  const { load: _load, ...meta } = row;
  byKey.set(row.key, { ...meta, encodeRequest: notLoaded, decodeRequest: notLoaded, encodeResponse: notLoaded, decodeResponse: notLoaded });
}

/** Fills in an API's codecs (in place: code holding the definition sees them; a full definition's other fields are the same). */
function install(key: number, codecs: ApiCodecs): void {
  const def = byKey.get(key);
  if (def) Object.assign(def, codecs);
}

install(ApiKeys.ApiVersions, codecs(encodeApiVersionsRequest, decodeApiVersionsRequest, encodeApiVersionsResponse, decodeApiVersionsResponse));

/** Every API, ordered by key (each with its codecs once loaded). */
export const API_DEFINITIONS: readonly ApiDefinition[] = [...byKey.values()];

export function apiByKey(key: number): ApiDefinition | undefined {
  return byKey.get(key);
}

export function api(name: ApiName): ApiDefinition {
  return byKey.get(ApiKeys[name]) as ApiDefinition;
}

/** Whether an API's codecs are loaded (definitions not from this registry always are). */
export function isLoaded(def: ApiDefinition): boolean {
  return def.encodeRequest !== notLoaded;
}

/** Loads an API's codecs (once; later calls share the first). */
export function loadApi(def: ApiDefinition): Promise<void> {
  if (isLoaded(def)) return Promise.resolve();
  let p = loaders.get(def.key);
  if (!p) {
    const row = API_TABLE.find((r) => r.key === def.key);
    if (!row) return Promise.reject(new Error(`internal: no API with key ${def.key}`));
    p = row.load().then((codecs) => install(def.key, codecs));
    // A failed import may be tried again.
    p.catch(() => loaders.delete(def.key));
    loaders.set(def.key, p);
  }
  return p;
}

/** Installs codecs already imported (the protocol subpath imports them all). */
export function installAll(defs: readonly ApiDefinition[]): void {
  for (const d of defs) install(d.key, d);
}

export { ApiKeys, type ApiDefinition, type ApiName };

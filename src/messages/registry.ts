// Looks APIs up by key or name.
import { API_DEFINITIONS, ApiKeys, type ApiDefinition, type ApiName } from './generated/index.js';

const byKey = new Map<number, ApiDefinition>(API_DEFINITIONS.map((a) => [a.key, a]));

export function apiByKey(key: number): ApiDefinition | undefined {
  return byKey.get(key);
}

export function api(name: ApiName): ApiDefinition {
  return byKey.get(ApiKeys[name]) as ApiDefinition;
}

export { API_DEFINITIONS, ApiKeys, type ApiDefinition, type ApiName };

// The numeric codes the ACL APIs use on the wire, and the names the Java
// client gives them (AclOperation, ResourceType, PatternType, AclPermissionType).

import { describeValue } from '../config-checks.js';
import { KafkaConfigError } from '../errors.js';
const OPERATIONS = ['UNKNOWN', 'ANY', 'ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS', 'TWO_PHASE_COMMIT'] as const;
const RESOURCE_TYPES = ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'] as const;
const PATTERN_TYPES = ['UNKNOWN', 'ANY', 'MATCH', 'LITERAL', 'PREFIXED'] as const;
const PERMISSIONS = ['UNKNOWN', 'ANY', 'DENY', 'ALLOW'] as const;

export type AclOperation = (typeof OPERATIONS)[number];
export type ResourceType = (typeof RESOURCE_TYPES)[number];
export type PatternType = (typeof PATTERN_TYPES)[number];
export type AclPermissionType = (typeof PERMISSIONS)[number];

/** The broker's "authorized operations" bitfield as operation names; INT32_MIN (not asked) gives an empty list. */
export function decodeOperations(bits: number): AclOperation[] {
  if (bits === -2147483648) return [];
  return OPERATIONS.filter((_, i) => i < 31 && (bits & (1 << i)) !== 0);
}

function codec<T extends string>(names: readonly T[], what: string) {
  return {
    names,
    code(name: T): number {
      const i = names.indexOf(String(name).toUpperCase() as T);
      if (i < 0) throw new KafkaConfigError(`unknown ${what} ${describeValue(name)}; expected one of ${names.join(', ')}`);
      return i;
    },
    name(code: number): T {
      return names[code] ?? ('UNKNOWN' as T);
    },
  };
}

export const operationCodec = codec<AclOperation>(OPERATIONS, 'ACL operation');
export const resourceTypeCodec = codec<ResourceType>(RESOURCE_TYPES, 'resource type');
export const patternTypeCodec = codec<PatternType>(PATTERN_TYPES, 'pattern type');
export const permissionCodec = codec<AclPermissionType>(PERMISSIONS, 'permission type');

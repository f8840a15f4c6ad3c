// The consumer's group membership: classic (JoinGroup/SyncGroup) or KIP-848 (ConsumerGroupHeartbeat), and offsets for assign() with a groupId.
import { KafkaConfigError } from '../../errors.js';
import { describeValue } from '../../config-checks.js';
import { ClassicMembership } from './classic.js';
import type { GroupDeps, GroupMembership } from './contract.js';
import { ConsumerGroupMembership } from './kip848.js';

export { createGroupOffsets } from './offsets.js';

export function createGroupMembership(deps: GroupDeps): GroupMembership {
  const p = deps.options.groupProtocol;
  if (p === 'classic') return new ClassicMembership(deps);
  if (p === 'consumer') return new ConsumerGroupMembership(deps);
  throw new KafkaConfigError(`group ${deps.options.groupId}: groupProtocol must be 'classic' or 'consumer', got ${describeValue(p)}`);
}

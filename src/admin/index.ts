// What the package root exports of the Admin client.
export { Admin, type AdminOptions } from './admin.js';
export type { Result, Node, CallOptions } from './types.js';
export { unwrapAll } from './types.js';
export type { NewTopic, CreatedTopic, TopicListing, TopicDescription, PartitionDescription, NewPartitions, TopicResult } from './topics.js';
export type { ConfigResource, ConfigResourceType, ConfigEntry, AlterConfigOp, ConfigResult } from './configs.js';
export type { OffsetSpec, ListOffsetsResultInfo } from './offsets.js';
export type { ClusterDescription } from './cluster.js';
export type { ListedGroup, ConsumerGroupDescription, MemberDescription, CommittedOffset as GroupCommittedOffset, GroupResult, PartitionResult } from './groups.js';
export type { ConsumerGroupLag, PartitionLag } from './lag.js';
export type { ShareGroupDescription, ShareMemberDescription, SharePartitionOffset } from './share-groups.js';
export type {
  StreamsGroupDescription,
  StreamsMemberDescription,
  StreamsMemberAssignment,
  StreamsTasks,
  StreamsTaskOffset,
  StreamsSubtopologyDescription,
  StreamsTopicInfo,
} from './streams-groups.js';
export type { ProducerState, TransactionListing, TransactionDescription, TransactionResult, AbortTransactionSpec } from './transactions.js';
export type { AclBinding, AclBindingFilter, AclResult, AclFilterResult } from './acls.js';
export type { AclOperation, AclPermissionType, PatternType, ResourceType } from './acl-codes.js';
export type { ScramMechanism, ScramAlteration, ScramCredentialInfo, UserResult } from './scram.js';
export type { QuotaEntity, QuotaEntry, QuotaAlteration, QuotaFilterComponent, QuotaResult } from './quotas.js';

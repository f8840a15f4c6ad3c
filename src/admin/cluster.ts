// describeCluster: brokers, controller, cluster id.
import { errorFor } from '../messages/error-codes.js';
import type { DescribeClusterResponse } from '../messages/generated/index.js';
import { decodeOperations, type AclOperation } from './acl-codes.js';
import type { AdminContext } from './context.js';
import type { CallOptions, Node } from './types.js';

export interface ClusterDescription {
  clusterId: string | null;
  /** The broker named as controller (in KRaft, a live broker that forwards to the controller quorum), or null. */
  controller: Node | null;
  brokers: Node[];
  authorizedOperations?: AclOperation[];
}

export async function describeCluster(ctx: AdminContext, opts: CallOptions & { includeAuthorizedOperations?: boolean } = {}): Promise<ClusterDescription> {
  return ctx.once('DescribeCluster', async () => {
    await ctx.ready();
    const res = await ctx.pool.request<DescribeClusterResponse>('any', 'DescribeCluster', { includeClusterAuthorizedOperations: opts.includeAuthorizedOperations ?? false, endpointType: 1 });
    if (res.errorCode !== 0) throw errorFor(res.errorCode, { api: 'DescribeCluster' }, res.errorMessage);
    const brokers = res.brokers.map((b) => ({ id: b.brokerId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.id - b.id);
    const d: ClusterDescription = { clusterId: res.clusterId, controller: brokers.find((b) => b.id === res.controllerId) ?? null, brokers };
    if (opts.includeAuthorizedOperations) d.authorizedOperations = decodeOperations(res.clusterAuthorizedOperations);
    return d;
  }, opts);
}

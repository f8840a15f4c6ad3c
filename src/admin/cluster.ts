// describeCluster: brokers, controller, cluster id.
import { UnsupportedVersionError } from '../errors.js';
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
    let res: DescribeClusterResponse;
    try {
      res = await ctx.pool.request<DescribeClusterResponse>('any', 'DescribeCluster', { includeClusterAuthorizedOperations: opts.includeAuthorizedOperations ?? false, endpointType: 1 });
    } catch (e) {
      // DescribeCluster came with Kafka 2.8 (KIP-700); before it, Java's describeCluster reads a Metadata answer,
      // which has the same brokers, controller and cluster id (the authorized operations only up to Metadata v10).
      if (!(e instanceof UnsupportedVersionError) || opts.includeAuthorizedOperations) throw e;
      const md = await ctx.metadata([]);
      const brokers = md.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.id - b.id);
      return { clusterId: md.clusterId, controller: brokers.find((b) => b.id === md.controllerId) ?? null, brokers };
    }
    if (res.errorCode !== 0) throw errorFor(res.errorCode, { api: 'DescribeCluster' }, res.errorMessage);
    const brokers = res.brokers.map((b) => ({ id: b.brokerId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.id - b.id);
    const d: ClusterDescription = { clusterId: res.clusterId, controller: brokers.find((b) => b.id === res.controllerId) ?? null, brokers };
    if (opts.includeAuthorizedOperations) d.authorizedOperations = decodeOperations(res.clusterAuthorizedOperations);
    return d;
  }, opts);
}

// The cluster a verifier or soak command line runs against: KAFKA_BOOTSTRAP
// when set (no node control, no proxies), else a 3-node cluster started here
// with a chaos proxy in front of every node (base port KAFKA_BASE_PORT, default
// 24092), stopped by `stop()`.
import { startProxies, type LocalChaos } from '../chaos/control.js';
import { CHAOS_PROXY_OFFSET, startCluster, type Cluster } from '../kafka/cluster.mjs';
import type { VerifyEnv } from './env.js';

export async function startVerifyEnv(log?: (m: string) => void): Promise<{ env: VerifyEnv; stop: () => Promise<void> }> {
  if (process.env.KAFKA_BOOTSTRAP) {
    return { env: { bootstrap: process.env.KAFKA_BOOTSTRAP, direct: process.env.KAFKA_BOOTSTRAP, cluster: null, chaos: null, log }, stop: async () => undefined };
  }
  const base = Number(process.env.KAFKA_BASE_PORT ?? 24092);
  const proxyPort = (id: number) => base + (id - 1) * 10 + CHAOS_PROXY_OFFSET;
  const ids = [1, 2, 3];
  const cluster: Cluster = await startCluster({
    nodes: ids.length,
    basePort: base,
    listeners: ['PLAINTEXT', 'CHAOS'],
    advertise: Object.fromEntries(ids.map((id) => [id, { CHAOS: `127.0.0.1:${proxyPort(id)}` }])),
    ...(log ? { log } : {}),
  });
  let proxies: LocalChaos;
  try {
    proxies = await startProxies(cluster.state.nodes.map((n) => ({ node: n.id, listen: proxyPort(n.id), target: { host: '127.0.0.1', port: n.ports.CHAOS ?? 0 } })));
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return {
    env: { bootstrap: ids.map((id) => `127.0.0.1:${proxyPort(id)}`).join(','), direct: cluster.bootstrap(), cluster, chaos: proxies, log },
    stop: async () => {
      await proxies.close();
      await cluster.stop();
    },
  };
}

// vitest global setup for the integration project: starts a 3-node Kafka
// cluster (or uses the one KAFKA_BOOTSTRAP names) and hands its details to the
// test files through provide/inject. Under CI a cluster that cannot start fails
// the run; elsewhere a missing Java or Maven skips the integration tests with
// the reason printed.
import type { TestProject } from 'vitest/node';
import { startProxies, serveControls, type LocalChaos } from '../chaos/control.js';
import { CHAOS_PROXY_OFFSET, SASL_MECHANISMS, SASL_REAUTH_MS, SASL_USERS, startCluster, type Cluster } from './cluster.mjs';
import { ensureKafka, PrerequisiteError, resolveVersion } from './download.mjs';
import { startZookeeperKafka } from './zookeeper-broker.mjs';

export interface KafkaTestContext {
  /** Comma-separated host:port list of the PLAINTEXT listeners. */
  bootstrap: string;
  /** Folder of the cluster the harness started, or null for an external one. */
  clusterDir: string | null;
  /** Folder of the Kafka jars (tools), or null when none could be fetched. */
  libs: string | null;
  version: string;
  /** Why the tests cannot reach a cluster, or null when they can. */
  unavailable: string | null;
  /**
   * A one-node cluster of the newest Kafka 3.9, for the version matrix (the
   * protocol sweep runs against both); null with KAFKA_BOOTSTRAP or KAFKA_MATRIX=0.
   */
  legacy: { bootstrap: string; version: string } | null;
  /**
   * One broker of Kafka 2.3 with ZooKeeper (test/kafka/zookeeper-broker.mjs),
   * for what older brokers answer; null with KAFKA_BOOTSTRAP or KAFKA_MATRIX=0.
   */
  zookeeper: { bootstrap: string; version: string } | null;
  /**
   * The SASL_PLAINTEXT listeners of the main cluster: their bootstrap list,
   * the users (name → password, valid for PLAIN and both SCRAMs), the
   * mechanisms enabled and the broker's connections.max.reauth.ms; null for
   * an external cluster.
   */
  sasl: { bootstrap: string; users: Record<string, string>; mechanisms: string[]; reauthMs: number } | null;
  /** The SSL listeners of the main cluster and the PEM of the CA that signed their certificate; null for an external cluster. */
  tls: { bootstrap: string; caPem: string } | null;
  /**
   * Unless KAFKA_CHAOS=0 (and with a cluster the harness starts): a fault-injecting
   * proxy in front of every node's CHAOS listener, which the nodes advertise at
   * the proxies' ports. `bootstrap` lists the proxies; `control` is the URL
   * RemoteChaos (test/chaos/control.ts) steers them through. Null otherwise.
   */
  chaos: { bootstrap: string; control: string; nodes: Array<{ id: number; proxyPort: number; brokerPort: number }> } | null;
}

/** Every node of the main test cluster has these listeners; PLAINTEXT stays first (inter-broker). */
const LISTENERS = ['PLAINTEXT', 'SASL_PLAINTEXT', 'SSL'];

declare module 'vitest' {
  export interface ProvidedContext {
    kafka: KafkaTestContext;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const version = resolveVersion();
  const external = process.env.KAFKA_BOOTSTRAP;
  let cluster: Cluster | null = null;
  let legacy: Cluster | null = null;
  let zookeeper: { bootstrap: string; version: string; stop: () => Promise<void> } | null = null;
  const ctx: KafkaTestContext = { bootstrap: external ?? '', clusterDir: null, libs: null, version, unavailable: null, legacy: null, zookeeper: null, sasl: null, tls: null, chaos: null };
  let chaos: { proxies: LocalChaos; control: { close: () => Promise<void> } } | null = null;
  try {
    ctx.libs = ensureKafka(version);
    if (!external) {
      const nodes = Number(process.env.KAFKA_NODES ?? 3);
      const base = Number(process.env.KAFKA_BASE_PORT ?? 19092);
      const matrix = process.env.KAFKA_MATRIX !== '0';
      // On by default, so `npm test` runs the chaos tests as CI does; KAFKA_CHAOS=0 leaves the proxies out.
      const withChaos = process.env.KAFKA_CHAOS !== '0';
      // Node i's base port is base + 10 i (cluster.mjs); its proxy listens CHAOS_PROXY_OFFSET above it.
      const proxyPort = (id: number) => base + (id - 1) * 10 + CHAOS_PROXY_OFFSET;
      const chaosOpts = withChaos
        ? { advertise: Object.fromEntries(Array.from({ length: nodes }, (_, i) => [i + 1, { CHAOS: `127.0.0.1:${proxyPort(i + 1)}` }])) }
        : {};
      const started = await Promise.allSettled([
        startCluster({ nodes, version, basePort: base, listeners: withChaos ? [...LISTENERS, 'CHAOS'] : LISTENERS, ...chaosOpts }),
        matrix ? startCluster({ nodes: 1, version: resolveVersion('3.9'), basePort: base + 100 }) : Promise.resolve(null),
        matrix ? startZookeeperKafka({ basePort: base + 200 }) : Promise.resolve(null),
      ]);
      cluster = started[0].status === 'fulfilled' ? started[0].value : null;
      legacy = started[1].status === 'fulfilled' ? started[1].value : null;
      zookeeper = started[2].status === 'fulfilled' ? started[2].value : null;
      for (const s of started) {
        if (s.status === 'rejected') {
          await cluster?.stop();
          await legacy?.stop();
          await zookeeper?.stop();
          throw s.reason;
        }
      }
      ctx.bootstrap = cluster!.bootstrap();
      ctx.clusterDir = cluster!.dir;
      ctx.sasl = { bootstrap: cluster!.bootstrap('SASL_PLAINTEXT'), users: { ...SASL_USERS }, mechanisms: [...SASL_MECHANISMS], reauthMs: SASL_REAUTH_MS };
      ctx.tls = { bootstrap: cluster!.bootstrap('SSL'), caPem: cluster!.caPem() as string };
      if (legacy) ctx.legacy = { bootstrap: legacy.bootstrap(), version: legacy.state.version };
      if (zookeeper) ctx.zookeeper = { bootstrap: zookeeper.bootstrap, version: zookeeper.version };
      if (withChaos) {
        const c = cluster!;
        const brokers = c.state.nodes.map((n) => ({ node: n.id, listen: proxyPort(n.id), target: { host: '127.0.0.1', port: n.ports.CHAOS ?? 0 } }));
        const proxies = await startProxies(brokers).catch(async (e: unknown) => {
          await Promise.all([cluster?.stop(), legacy?.stop(), zookeeper?.stop()]);
          throw e;
        });
        const control = await serveControls(proxies);
        chaos = { proxies, control };
        ctx.chaos = {
          bootstrap: brokers.map((b) => `127.0.0.1:${b.listen}`).join(','),
          control: `http://127.0.0.1:${control.port}/`,
          nodes: brokers.map((b) => ({ id: b.node, proxyPort: b.listen, brokerPort: b.target.port })),
        };
      }
    }
  } catch (e) {
    if (process.env.CI === 'true' || !(e instanceof PrerequisiteError) || external) throw e;
    ctx.unavailable = (e as Error).message;
    console.error(`kafkawire: integration tests skipped: ${ctx.unavailable}`);
  }
  project.provide('kafka', ctx);
  const stopAll = () => Promise.all([chaos?.control.close(), chaos?.proxies.close(), cluster?.stop(), legacy?.stop(), zookeeper?.stop()]);
  const onSignal = () => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
  };
}

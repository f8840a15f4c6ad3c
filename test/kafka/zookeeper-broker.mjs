// A one-broker Kafka from before KRaft, with its ZooKeeper, for the tests of
// what older brokers answer (Kafka 2.3: no KIP-511 ApiVersions fallback
// ranges, CreateTopics v3, ListGroups v2, TxnOffsetCommit v2). The Java 4
// client supports brokers from 2.1, so kafkawire must too.
// ZooKeeper 3.4's client cannot connect under Java 17, so the 3.5 jars stand
// in for the 3.4 ones Kafka 2.3 names (Kafka 2.4+ ships 3.5 itself).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cacheRoot, javaMajor, PrerequisiteError } from './download.mjs';

export const ZOOKEEPER_KAFKA_VERSION = '2.3.1';

function pom(version) {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kafkawire.test</groupId>
  <artifactId>kafka-zk-dist</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.12</artifactId><version>${version}</version>
      <exclusions><exclusion><groupId>org.apache.zookeeper</groupId><artifactId>zookeeper</artifactId></exclusion></exclusions>
    </dependency>
    <dependency><groupId>org.apache.zookeeper</groupId><artifactId>zookeeper</artifactId><version>3.5.9</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-log4j12</artifactId><version>1.7.26</version></dependency>
  </dependencies>
</project>
`;
}

/** The jars of that Kafka version with ZooKeeper 3.5, downloaded once into the cache. */
export function ensureZookeeperKafka(version = ZOOKEEPER_KAFKA_VERSION, log = (/** @type {string} */ m) => console.error(m)) {
  const dir = path.join(cacheRoot(), `kafka-${version}-zk`);
  const libs = path.join(dir, 'libs');
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return libs;
  javaMajor();
  log(`kafkawire: downloading Apache Kafka ${version} and ZooKeeper 3.5.9 from Maven Central into ${dir} (once)`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'pom.xml'), pom(version));
  const r = spawnSync('mvn', ['-q', '-B', '-f', path.join(dir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new PrerequisiteError(`Maven could not download Kafka ${version} with ZooKeeper 3.5.9 (exit ${r.status}).\n${r.stdout}\n${r.stderr}`);
  fs.writeFileSync(marker, new Date().toISOString() + '\n');
  return libs;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port; rejects at the deadline or when `exited` says the process is gone. */
async function waitForPort(port, deadline, exited, what) {
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    const gone = exited();
    if (gone) throw new Error(`${what} exited before listening on ${port}: ${gone}`);
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within the startup timeout`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts ZooKeeper on basePort and one Kafka broker on basePort + 1, in a
 * temporary folder named like the other test clusters (so CI's check for
 * leftover Kafka JVMs covers it). Resolves to { bootstrap, version, dir, stop }.
 */
export async function startZookeeperKafka({ basePort, version = ZOOKEEPER_KAFKA_VERSION, log = (/** @type {string} */ m) => console.error(m), startupMs = 120_000 }) {
  const libs = ensureZookeeperKafka(version, log);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkawire-cluster-zk-'));
  const zkPort = basePort;
  const port = basePort + 1;
  fs.writeFileSync(path.join(dir, 'log4j.properties'), [
    'log4j.rootLogger=WARN, f',
    'log4j.appender.f=org.apache.log4j.FileAppender',
    `log4j.appender.f.File=${path.join(dir, 'server.log')}`,
    'log4j.appender.f.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.f.layout.ConversionPattern=[%d] %p %m (%c)%n',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'server.properties'), [
    'broker.id=1',
    `listeners=PLAINTEXT://127.0.0.1:${port}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    `log.dirs=${path.join(dir, 'kafka')}`,
    `zookeeper.connect=127.0.0.1:${zkPort}`,
    'zookeeper.connection.timeout.ms=60000',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=3',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'file.delete.delay.ms=1000',
    '',
  ].join('\n'));
  const java = (main, args, name) => {
    const out = fs.openSync(path.join(dir, `${name}.out`), 'a');
    const p = spawn('java', ['-Xmx256m', '-Xss1m', '-Dzookeeper.admin.enableServer=false', `-Dlog4j.configuration=file:${path.join(dir, 'log4j.properties')}`, '-cp', path.join(libs, '*'), main, ...args], {
      stdio: ['ignore', out, out],
    });
    let exit = null;
    p.once('exit', (code, signal) => (exit = `exit ${code ?? signal}`));
    return { p, exited: () => exit };
  };
  const procs = [];
  const stop = async () => {
    // The broker first (it would wait for ZooKeeper otherwise), then ZooKeeper; each gets 15 s before SIGKILL.
    for (const { p, exited } of procs.splice(0).reverse()) {
      if (exited()) continue;
      p.kill('SIGTERM');
      const gone = await Promise.race([new Promise((r) => p.once('exit', () => r(true))), new Promise((r) => setTimeout(() => r(false), 15_000).unref())]);
      if (!gone) p.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + startupMs;
    const zk = java('org.apache.zookeeper.server.ZooKeeperServerMain', [String(zkPort), path.join(dir, 'zookeeper')], 'zookeeper');
    procs.push(zk);
    await waitForPort(zkPort, deadline, zk.exited, `ZooKeeper (logs in ${dir})`);
    const kafka = java('kafka.Kafka', [path.join(dir, 'server.properties')], 'kafka');
    procs.push(kafka);
    await waitForPort(port, deadline, kafka.exited, `Kafka ${version} (logs in ${dir})`);
  } catch (e) {
    const tail = ['kafka.out', 'zookeeper.out', 'server.log']
      .map((f) => path.join(dir, f))
      .filter((f) => fs.existsSync(f))
      .map((f) => `--- ${path.basename(f)}\n${fs.readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}`)
      .join('\n');
    await stop();
    throw new Error(`${/** @type {Error} */ (e).message}\n${tail}`);
  }
  log(`kafkawire: Kafka ${version} with ZooKeeper, 1 broker ready at 127.0.0.1:${port}`);
  return { bootstrap: `127.0.0.1:${port}`, version, dir, stop };
}

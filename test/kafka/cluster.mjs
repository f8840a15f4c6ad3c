// Starts, controls and stops a local KRaft cluster of Apache Kafka nodes on
// loopback, each node both broker and controller, from the jars download.mjs
// fetched. A cluster's state lives in its folder (cluster.json, one pid file a
// node), so a test worker, the vitest main process and `npm run kafka:down`
// can all act on the same cluster.
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ensureKafka, resolveVersion } from './download.mjs';
import { brokerCount, portInUse } from './probe.mjs';

/** SASL users of the SASL_PLAINTEXT listener, name → password, for every mechanism. */
export const SASL_USERS = { alice: 'alice-secret', bob: 'bob-secret' };
/** Principals allowed everything once SASL_PLAINTEXT turns the authorizer on: PLAINTEXT and SSL clients and the brokers are ANONYMOUS; bob has no ACLs. */
export const SASL_SUPER_USERS = ['ANONYMOUS', 'alice', 'broker'];
/** Mechanisms the SASL_PLAINTEXT listener enables (OAUTHBEARER with Kafka's unsecured test tokens). */
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];
/** connections.max.reauth.ms of the SASL listener: sessions last this long, so clients must re-authenticate (KIP-368). */
export const SASL_REAUTH_MS = 4000;
/** Password of the SSL listener's PKCS12 key store. */
const KEYSTORE_PASSWORD = 'kafkawire-test';

const saslPrefix = 'listener.name.sasl_plaintext';
const jaas = (mechanism, module, options = '') => `${saslPrefix}.${mechanism}.sasl.jaas.config=${module} required${options};`;

/**
 * Listener kinds a cluster can expose to clients, besides the CONTROLLER
 * listener it always has. Each adds its own port on every node (the port
 * offset), its properties, and optionally work before start-up (`prepare`,
 * e.g. key stores) and arguments for `kafka-storage format` (SCRAM users).
 * @type {Record<string, { offset: number, protocol: string, props: (dir: string) => string[], prepare?: (dir: string) => Promise<void>, formatArgs?: () => string[] }>}
 */
export const LISTENER_KINDS = {
  PLAINTEXT: { offset: 0, protocol: 'PLAINTEXT', props: () => [] },
  SASL_PLAINTEXT: {
    offset: 1,
    protocol: 'SASL_PLAINTEXT',
    props: () => [
      `${saslPrefix}.sasl.enabled.mechanisms=${SASL_MECHANISMS.join(',')}`,
      jaas('plain', 'org.apache.kafka.common.security.plain.PlainLoginModule', Object.entries(SASL_USERS).map(([u, p]) => ` user_${u}="${p}"`).join('')),
      jaas('scram-sha-256', 'org.apache.kafka.common.security.scram.ScramLoginModule'),
      jaas('scram-sha-512', 'org.apache.kafka.common.security.scram.ScramLoginModule'),
      jaas('oauthbearer', 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule', ' unsecuredLoginStringClaim_sub="broker"'),
      `${saslPrefix}.connections.max.reauth.ms=${SASL_REAUTH_MS}`,
      // ACLs are enforced; everyone but bob is a super user, so bob meets authorization errors.
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      `super.users=${SASL_SUPER_USERS.map((u) => `User:${u}`).join(';')}`,
    ],
    // SCRAM credentials live in the metadata log; format writes them into its bootstrap records.
    formatArgs: () => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => Object.entries(SASL_USERS).flatMap(([u, p]) => ['--add-scram', `${m}=[name=${u},password=${p}]`])),
  },
  SSL: {
    offset: 2,
    protocol: 'SSL',
    props: (dir) => [
      'listener.name.ssl.ssl.keystore.type=PKCS12',
      `listener.name.ssl.ssl.keystore.location=${path.join(dir, 'tls', 'broker.p12')}`,
      `listener.name.ssl.ssl.keystore.password=${KEYSTORE_PASSWORD}`,
      `listener.name.ssl.ssl.key.password=${KEYSTORE_PASSWORD}`,
    ],
    prepare: (dir) => makeTlsMaterial(path.join(dir, 'tls')),
  },
  // A plain listener for the fault-injecting proxies of test/chaos: each node advertises it at its proxy's
  // port (CHAOS_PROXY_OFFSET), so a client that bootstraps through the proxies reaches every broker through them.
  CHAOS: { offset: 3, protocol: 'PLAINTEXT', props: () => [] },
};

/** Port offset (from a node's base port) where the chaos proxy in front of the node's CHAOS listener listens. */
export const CHAOS_PROXY_OFFSET = 4;

const run = promisify(execFile);

/**
 * A throwaway CA (tls/ca.pem) and one broker certificate it signs, for
 * localhost and 127.0.0.1, packed with its key and the CA into a PKCS12 key
 * store (tls/broker.p12) that every node's SSL listener uses.
 */
async function makeTlsMaterial(tlsDir) {
  fs.mkdirSync(tlsDir, { recursive: true });
  const f = (name) => path.join(tlsDir, name);
  const openssl = (...args) => run('openssl', args, { cwd: tlsDir }).catch((e) => {
    throw new Error(`openssl ${args[0]} failed while making the SSL listener's certificates (openssl must be on the PATH): ${e.stderr || e}`);
  });
  await openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '30',
    '-subj', '/CN=kafkawire test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  await openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('broker.key'), '-out', f('broker.csr'), '-subj', '/CN=localhost');
  fs.writeFileSync(f('broker.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  await openssl('x509', '-req', '-in', f('broker.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('broker.pem'), '-days', '30', '-extfile', f('broker.ext'));
  await openssl('pkcs12', '-export', '-in', f('broker.pem'), '-inkey', f('broker.key'), '-certfile', f('ca.pem'),
    '-name', 'broker', '-out', f('broker.p12'), '-passout', `pass:${KEYSTORE_PASSWORD}`);
}

const CONTROLLER_OFFSET = 9;

/**
 * @typedef {{ id: number, ports: Record<string, number>, controllerPort: number, propsFile: string, logFile: string, pidFile: string }} NodeInfo
 * @typedef {{ version: string, libs: string, dir: string, clusterId: string, listeners: string[], nodes: NodeInfo[], ownerPid: number | null, watchdogPid: number | null, autoCreateTopics?: boolean, advertise?: Record<number, Record<string, string>>, brokerProps?: string[] }} ClusterState
 */

/** True when a process with that pid exists and is not a zombie. */
export function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function readPid(file) {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

function newClusterId() {
  // Kafka's Uuid text form: 16 random bytes in URL-safe base64 without padding;
  // Kafka refuses ids that begin with '-'.
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function nodeProperties(state, node) {
  const n = state.nodes.length;
  const voters = state.nodes.map((x) => `${x.id}@127.0.0.1:${x.controllerPort}`).join(',');
  const listeners = state.listeners.map((l) => `${l}://127.0.0.1:${node.ports[l]}`);
  const protocolMap = state.listeners.map((l) => `${l}:${LISTENER_KINDS[l]?.protocol}`);
  const lines = [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${voters}`,
    `listeners=${[...listeners, `CONTROLLER://127.0.0.1:${node.controllerPort}`].join(',')}`,
    // A node may advertise another address on a listener (tests of clients that cannot reach what brokers advertise).
    `advertised.listeners=${state.listeners.map((l) => `${l}://${state.advertise?.[node.id]?.[l] ?? `127.0.0.1:${node.ports[l]}`}`).join(',')}`,
    'controller.listener.names=CONTROLLER',
    `inter.broker.listener.name=${state.listeners[0]}`,
    `listener.security.protocol.map=${[...protocolMap, 'CONTROLLER:PLAINTEXT'].join(',')}`,
    `log.dirs=${path.join(state.dir, `data-${node.id}`)}`,
    'num.partitions=1',
    // Internal topics sized to the cluster, and few partitions: a lean cluster starts groups quickly.
    `offsets.topic.replication.factor=${Math.min(3, n)}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${Math.min(3, n)}`,
    `transaction.state.log.min.isr=${Math.min(2, n)}`,
    'transaction.state.log.num.partitions=10',
    `share.coordinator.state.topic.replication.factor=${Math.min(3, n)}`,
    `share.coordinator.state.topic.min.isr=${Math.min(2, n)}`,
    'group.initial.rebalance.delay.ms=0',
    // KIP-848 groups: a member that dies is noticed after 10 s instead of 45 s (the broker's floor is lowered to allow it).
    'group.consumer.min.session.timeout.ms=6000',
    'group.consumer.session.timeout.ms=10000',
    // Tests create their topics explicitly, so a missing topic stays missing; `kafka:up` turns creation on for people trying things.
    `auto.create.topics.enable=${state.autoCreateTopics ? 'true' : 'false'}`,
    'log.cleaner.dedupe.buffer.size=16777216',
    'num.network.threads=2',
    'num.io.threads=4',
  ];
  for (const l of state.listeners) lines.push(...(LISTENER_KINDS[l]?.props(state.dir) ?? []));
  lines.push(...(state.brokerProps ?? []));
  return lines.join('\n') + '\n';
}

function logConfig(dir, version) {
  if (version.startsWith('3.')) {
    const file = path.join(dir, 'log4j.properties');
    fs.writeFileSync(
      file,
      [
        'log4j.rootLogger=INFO, stdout',
        'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
        'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
        'log4j.logger.org.apache.kafka.controller=WARN',
        'log4j.logger.kafka.log=WARN',
      ].join('\n') + '\n',
    );
    return `-Dlog4j.configuration=file:${file}`;
  }
  const file = path.join(dir, 'log4j2.properties');
  fs.writeFileSync(
    file,
    [
      'appender.out.type=Console',
      'appender.out.name=out',
      'appender.out.layout.type=PatternLayout',
      'appender.out.layout.pattern=[%d] %p %m (%c)%n',
      'rootLogger.level=INFO',
      'rootLogger.appenderRef.out.ref=out',
      'logger.ctl.name=org.apache.kafka.controller',
      'logger.ctl.level=WARN',
      'logger.log.name=kafka.log',
      'logger.log.level=WARN',
    ].join('\n') + '\n',
  );
  return `-Dlog4j2.configurationFile=${file}`;
}

function javaArgs(state, mainClass, args) {
  return ['-Xms128m', '-Xmx512m', '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true',
    logConfig(state.dir, state.version), '-cp', path.join(state.libs, '*'), mainClass, ...args];
}

/** Runs a JVM to completion; rejects with its output when it fails. */
function runJava(state, mainClass, args, what) {
  return new Promise((resolve, reject) => {
    const child = spawn('java', javaArgs(state, mainClass, args), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${what} failed (exit ${code}):\n${out}`))));
  });
}

export class Cluster {
  /** @param {ClusterState} state */
  constructor(state) {
    this.state = state;
  }

  /** Re-opens a cluster from its folder (another process started it). */
  static load(dir) {
    return new Cluster(JSON.parse(fs.readFileSync(path.join(dir, 'cluster.json'), 'utf8')));
  }

  get dir() {
    return this.state.dir;
  }

  /** PEM of the CA that signed the SSL listener's certificate (null without an SSL listener). */
  caPem() {
    return this.state.listeners.includes('SSL') ? fs.readFileSync(path.join(this.dir, 'tls', 'ca.pem'), 'utf8') : null;
  }

  /** host:port of every node's listener of that kind, comma separated. */
  bootstrap(listener = 'PLAINTEXT') {
    return this.state.nodes.map((n) => `127.0.0.1:${n.ports[listener]}`).join(',');
  }

  node(id) {
    const n = this.state.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`cluster in ${this.dir} has no node ${id}`);
    return n;
  }

  pid(id) {
    const pid = readPid(this.node(id).pidFile);
    return pid !== null && alive(pid) ? pid : null;
  }

  save() {
    fs.writeFileSync(path.join(this.dir, 'cluster.json'), JSON.stringify(this.state, null, 2));
  }

  /** Starts node id's JVM (again); does not wait for it to answer. */
  startNode(id, { detached = false } = {}) {
    const n = this.node(id);
    if (this.pid(id) !== null) throw new Error(`node ${id} is already running (pid ${this.pid(id)})`);
    const log = fs.openSync(n.logFile, 'a');
    const child = spawn('java', javaArgs(this.state, 'kafka.Kafka', [n.propsFile]), { stdio: ['ignore', log, log], detached });
    fs.closeSync(log);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start java for node ${id}; see ${n.logFile}`);
    fs.writeFileSync(n.pidFile, String(child.pid));
    return child.pid;
  }

  /** SIGTERM (a clean shutdown), then SIGKILL if it has not exited within graceMs. */
  async stopNode(id, graceMs = 20_000) {
    const pid = this.pid(id);
    if (pid === null) return;
    signal(pid, 'SIGCONT'); // a paused JVM cannot act on SIGTERM
    signal(pid, 'SIGTERM');
    const until = Date.now() + graceMs;
    while (alive(pid) && Date.now() < until) await sleep(100);
    if (alive(pid)) signal(pid, 'SIGKILL');
    while (alive(pid)) await sleep(50);
    fs.rmSync(this.node(id).pidFile, { force: true });
  }

  /** SIGKILL: the node dies at once, as in a crash. */
  async killNode(id) {
    const pid = this.pid(id);
    if (pid === null) return;
    signal(pid, 'SIGKILL');
    while (alive(pid)) await sleep(50);
    fs.rmSync(this.node(id).pidFile, { force: true });
  }

  /** SIGSTOP: the node keeps its sockets open but answers nothing. */
  pauseNode(id) {
    const pid = this.pid(id);
    if (pid !== null) signal(pid, 'SIGSTOP');
  }

  resumeNode(id) {
    const pid = this.pid(id);
    if (pid !== null) signal(pid, 'SIGCONT');
  }

  async restartNode(id) {
    await this.stopNode(id);
    this.startNode(id);
    await this.waitReady({ nodes: [id] });
  }

  /** Waits until each of those nodes answers Metadata and sees every broker. */
  async waitReady({ nodes = this.state.nodes.map((n) => n.id), timeoutMs = 120_000 } = {}) {
    const until = Date.now() + timeoutMs;
    for (const id of nodes) {
      const n = this.node(id);
      let last = '';
      for (;;) {
        if (this.pid(id) === null) {
          throw new Error(`Kafka node ${id} exited during start-up; its log is ${n.logFile}:\n${tail(n.logFile)}`);
        }
        try {
          const count = await brokerCount('127.0.0.1', n.ports[this.state.listeners[0]] ?? 0);
          if (count === this.state.nodes.length) break;
          last = `it sees ${count} of ${this.state.nodes.length} brokers`;
        } catch (e) {
          last = /** @type {Error} */ (e).message;
        }
        if (Date.now() > until) {
          throw new Error(`Kafka node ${id} was not ready after ${timeoutMs} ms (${last}); its log is ${n.logFile}:\n${tail(n.logFile)}`);
        }
        await sleep(250);
      }
    }
  }

  /**
   * Stops every node (together) and the watchdog; with keepData false, removes the folder.
   * graceMs: how long each node gets to shut down on SIGTERM before SIGKILL.
   */
  async stop({ keepData = false, graceMs = 20_000 } = {}) {
    await Promise.all(this.state.nodes.map((n) => this.stopNode(n.id, graceMs)));
    if (this.state.watchdogPid !== null) signal(this.state.watchdogPid, 'SIGKILL');
    if (!keepData) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * A small shell loop that SIGKILLs every node of the cluster once the owner
 * process is gone, so no JVM outlives a test run that was killed outright.
 */
function startWatchdog(dir, ownerPid) {
  const script = `while kill -0 ${ownerPid} 2>/dev/null; do sleep 1; done; for f in "${dir}"/*.pid; do [ -f "$f" ] && kill -CONT $(cat "$f") 2>/dev/null; [ -f "$f" ] && kill -9 $(cat "$f") 2>/dev/null; done; rm -rf "${dir}"`;
  const child = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
  child.unref();
  return child.pid ?? null;
}

/**
 * Formats storage for `nodes` KRaft nodes and starts them.
 * `advertise` makes a node advertise another host:port on a listener than the one it listens on, e.g. `{ 1: { SSL: '127.0.0.1:1' } }`
 * (never on the first listener, which the brokers use between themselves).
 * `brokerProps` are extra `key=value` lines for every node's properties (they come last, so they win).
 * @param {{ nodes?: number, version?: string, basePort?: number, listeners?: string[], dir?: string, ownerPid?: number | null, detached?: boolean, autoCreateTopics?: boolean, advertise?: Record<number, Record<string, string>>, brokerProps?: string[], log?: (m: string) => void }} [opts]
 */
export async function startCluster(opts = {}) {
  const { nodes = 3, basePort = 19092, listeners = ['PLAINTEXT'], ownerPid = process.pid, detached = false, autoCreateTopics = false } = opts;
  const log = opts.log ?? ((m) => console.error(m));
  const version = resolveVersion(opts.version);
  const libs = ensureKafka(version, log);
  for (const l of listeners) if (!LISTENER_KINDS[l]) throw new Error(`unknown listener kind ${l}`);
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kafkawire-cluster-'));
  fs.mkdirSync(dir, { recursive: true });
  /** @type {ClusterState} */
  const state = { version, libs, dir, clusterId: newClusterId(), listeners, nodes: [], ownerPid, watchdogPid: null, autoCreateTopics, ...(opts.advertise ? { advertise: opts.advertise } : {}), ...(opts.brokerProps ? { brokerProps: opts.brokerProps } : {}) };
  for (let i = 0; i < nodes; i++) {
    const id = i + 1;
    const base = basePort + i * 10;
    const ports = Object.fromEntries(listeners.map((l) => [l, base + (LISTENER_KINDS[l]?.offset ?? 0)]));
    state.nodes.push({ id, ports, controllerPort: base + CONTROLLER_OFFSET,
      propsFile: path.join(dir, `node-${id}.properties`), logFile: path.join(dir, `node-${id}.log`), pidFile: path.join(dir, `node-${id}.pid`) });
  }
  for (const n of state.nodes) {
    for (const port of [...Object.values(n.ports), n.controllerPort]) {
      if (await portInUse('127.0.0.1', port)) {
        throw new Error(`port 127.0.0.1:${port} is already in use; stop what holds it (npm run kafka:down stops a cluster kafka:up started) or choose another base port`);
      }
    }
  }
  const t0 = Date.now();
  for (const l of listeners) await LISTENER_KINDS[l]?.prepare?.(dir);
  for (const n of state.nodes) fs.writeFileSync(n.propsFile, nodeProperties(state, n));
  const formatArgs = listeners.flatMap((l) => LISTENER_KINDS[l]?.formatArgs?.() ?? []);
  const cluster = new Cluster(state);
  if (ownerPid !== null) state.watchdogPid = startWatchdog(dir, ownerPid);
  cluster.save();
  await Promise.all(state.nodes.map((n) =>
    runJava(state, 'kafka.tools.StorageTool', ['format', '-t', state.clusterId, '-c', n.propsFile, ...formatArgs], `formatting storage of node ${n.id}`)));
  try {
    for (const n of state.nodes) cluster.startNode(n.id, { detached });
    await cluster.waitReady();
  } catch (e) {
    await cluster.stop({ keepData: true });
    throw e;
  }
  const extra = listeners.slice(1).map((l) => ` ${l} ${cluster.bootstrap(l)}`).join(',');
  log(`kafkawire: Kafka ${version}, ${nodes} node(s) ready in ${((Date.now() - t0) / 1000).toFixed(1)} s at ${cluster.bootstrap()}${extra ? ` (and${extra})` : ''} (logs in ${dir})`);
  return cluster;
}

// `npm run kafka:up [-- --nodes 3 --kafka 3.9 --port 9092]` starts a local cluster
// that outlives this command; `npm run kafka:down` stops it.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Cluster, startCluster } from './cluster.mjs';
import { cacheRoot, PrerequisiteError } from './download.mjs';

const localDir = path.join(cacheRoot(), 'local-cluster');

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      nodes: { type: 'string', default: '1' },
      kafka: { type: 'string', default: process.env.KAFKA_VERSION ?? '4' },
      port: { type: 'string', default: '9092' },
    },
  });
  const cmd = positionals[0];
  if (cmd === 'up') {
    if (fs.existsSync(path.join(localDir, 'cluster.json'))) {
      const old = Cluster.load(localDir);
      if (old.state.nodes.some((n) => old.pid(n.id) !== null)) {
        console.error(`a local cluster is already running (${localDir}); npm run kafka:down stops it`);
        console.log(old.bootstrap());
        return;
      }
    }
    fs.rmSync(localDir, { recursive: true, force: true });
    const cluster = await startCluster({
      nodes: Number(values.nodes), version: values.kafka, basePort: Number(values.port),
      dir: localDir, ownerPid: null, detached: true, autoCreateTopics: true,
    });
    console.log(cluster.bootstrap());
  } else if (cmd === 'down') {
    if (!fs.existsSync(path.join(localDir, 'cluster.json'))) {
      console.error('no local cluster to stop');
      return;
    }
    await Cluster.load(localDir).stop();
    console.error('local cluster stopped');
  } else {
    console.error('usage: node test/kafka/cli.mjs up [--nodes N] [--kafka 4|3.9|x.y.z] [--port 9092] | down');
    process.exitCode = 2;
  }
}

main().catch((e) => {
  console.error(e instanceof PrerequisiteError ? e.message : e);
  process.exitCode = 1;
});

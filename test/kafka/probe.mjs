// A tiny raw-socket readiness probe, independent of kafkawire's own code so the
// harness can start a cluster even while the client is broken.
import net from 'node:net';

/**
 * Sends Metadata v4 (all topics) to host:port and resolves to the number of
 * brokers in the answer, or rejects on any error or after timeoutMs.
 * @param {string} host @param {number} port @param {number} [timeoutMs]
 * @returns {Promise<number>}
 */
export function brokerCount(host, port, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const clientId = Buffer.from('kafkawire-probe');
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 1);
    let o = body.writeInt16BE(3, 0); // Metadata
    o = body.writeInt16BE(4, o); // v4: still accepted by Kafka 3.x and 4.x
    o = body.writeInt32BE(1, o); // correlation id
    o = body.writeInt16BE(clientId.length, o);
    o += clientId.copy(body, o);
    o = body.writeInt32BE(-1, o); // null topic list = every topic
    body.writeInt8(0, o); // no auto-creation
    const frame = Buffer.concat([Buffer.alloc(4), body]);
    frame.writeInt32BE(body.length, 0);

    const sock = net.connect({ host, port });
    let got = Buffer.alloc(0);
    const done = (/** @type {Error | null} */ err, /** @type {number} */ n = 0) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(n);
    };
    const timer = setTimeout(() => done(new Error(`no Metadata answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    sock.on('connect', () => sock.write(frame));
    sock.on('error', (e) => done(e));
    sock.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      // size(4) correlation(4) throttle(4) brokerCount(4)
      if (got.length >= 16) done(null, got.readInt32BE(12));
    });
    sock.on('close', () => done(new Error(`${host}:${port} closed the connection`)));
  });
}

/** True when something already listens on host:port. */
export function portInUse(host, port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    sock.on('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => resolve(false));
  });
}

// Properties of the classic membership under random coordinator behaviour:
// whatever the coordinator answers (errors, moves, rebalances, broken
// connections), the host is told a consistent story and leave() ends it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSubscription, encodeAssignment } from '../../../src/consumer/assignors/index.js';
import { ClassicMembership } from '../../../src/consumer/group/classic.js';
import { KafkaConnectionError } from '../../../src/errors.js';
import { ErrorCode } from '../../../src/messages/error-codes.js';
import { names, setup } from './fake-coordinator.js';

const T = 't';
const PARTITIONS = 4;

const joinCodes = [0, 0, 0, ErrorCode.MEMBER_ID_REQUIRED, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION, ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, -100];
const syncCodes = [0, 0, 0, ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION, ErrorCode.NOT_COORDINATOR, -100];
const hbCodes = [0, 0, 0, 0, ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION, ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, -100];

/** -100 stands for a broken connection. */
const broken = () => new KafkaConnectionError('scripted: connection lost', {}, true);

describe('classic membership properties', () => {
  it('the host sees a consistent story: assign only what it lacks, give up only what it has, EAGER joins empty-handed, lost after a reset, nothing after leave (with slow callbacks and poll timeouts)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('range', 'cooperative-sticky'),
        fc.array(fc.constantFrom(...joinCodes), { maxLength: 30 }),
        fc.array(fc.record({ code: fc.constantFrom(...syncCodes), mask: fc.integer({ min: 0, max: (1 << PARTITIONS) - 1 }) }), { maxLength: 30 }),
        fc.array(fc.constantFrom(...hbCodes), { maxLength: 60 }),
        fc.array(fc.record({ ms: fc.integer({ min: 0, max: 5000 }), poll: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 10 }),
        async (assignor, joinScript, syncScript, hbScript, steps, delays) => {
          // Copies: fast-check replays the same values while shrinking.
          const [joins, syncs, hbs] = [[...joinScript], [...syncScript], [...hbScript]];
          const { cluster, clock, host, deps } = setup({ partitionAssignmentStrategy: [assignor], maxPollIntervalMs: 8000 });
          cluster.addTopic(T, PARTITIONS);
          let generation = 0;
          let nextId = 0;
          cluster.defaults.set('JoinGroup', (body: any) => {
            const code = joins.shift() ?? 0;
            if (code === -100) throw broken();
            if (code === ErrorCode.MEMBER_ID_REQUIRED && body.memberId === '') {
              return { throttleTimeMs: 0, errorCode: code, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId: `m-${++nextId}`, members: [] };
            }
            if (code !== 0 && code !== ErrorCode.MEMBER_ID_REQUIRED) {
              if (code === ErrorCode.NOT_COORDINATOR) cluster.coordinator = (cluster.coordinator % 3) + 1;
              return { throttleTimeMs: 0, errorCode: code, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId: body.memberId, members: [] };
            }
            return { throttleTimeMs: 0, errorCode: 0, generationId: ++generation, protocolType: 'consumer', protocolName: assignor, leader: 'other', skipAssignment: false, memberId: body.memberId || `m-${++nextId}`, members: [] };
          });
          cluster.defaults.set('SyncGroup', () => {
            const s = syncs.shift() ?? { code: 0, mask: (1 << PARTITIONS) - 1 };
            if (s.code === -100) throw broken();
            if (s.code !== 0) return { throttleTimeMs: 0, errorCode: s.code, protocolType: null, protocolName: null, assignment: new Uint8Array(0) };
            const partitions = Array.from({ length: PARTITIONS }, (_, i) => i).filter((i) => s.mask & (1 << i)).map((partition) => ({ topic: T, partition }));
            return { throttleTimeMs: 0, errorCode: 0, protocolType: 'consumer', protocolName: assignor, assignment: encodeAssignment({ partitions, userData: null }) };
          });
          cluster.defaults.set('Heartbeat', () => {
            const code = hbs.shift() ?? 0;
            if (code === -100) throw broken();
            if (code === ErrorCode.NOT_COORDINATOR) cluster.coordinator = (cluster.coordinator % 3) + 1;
            return { throttleTimeMs: 0, errorCode: code };
          });

          // The host's view, checked against every call. Callbacks take a while (on the test clock), so
          // poll timeouts, heartbeat answers and leave() meet them half-way.
          const held = new Set<string>();
          const problems: string[] = [];
          const m = new ClassicMembership(deps);
          let busy = 0;
          let nextDelay = 0;
          for (const what of ['assign', 'revoke', 'lost'] as const) {
            const inner = host[what].bind(host);
            host[what] = async (ps) => {
              // A member that was reset (generation -1) lost its partitions: it must not revoke (and so commit) them.
              if (what === 'revoke' && m.groupMetadata().generationId === -1) problems.push(`revoke of ${names(ps)} after the member was reset (should be lost)`);
              // One call at a time: a lost() must not overtake an assign() still under way.
              if (busy > 0) problems.push(`host.${what}(${names(ps)}) while another host call is under way`);
              busy++;
              try {
                await inner(ps);
                const d = delays[nextDelay++ % delays.length]!;
                if (d > 0) await new Promise<void>((r) => clock.setTimeout(r, d));
              } finally {
                busy--;
              }
            };
          }
          const eager = m.rebalanceProtocol === 'EAGER';
          let joinRequests = 0;
          const innerJoin = cluster.defaults.get('JoinGroup')!;
          cluster.defaults.set('JoinGroup', (body: any, node) => {
            joinRequests++;
            apply();
            if (eager && held.size > 0) problems.push(`EAGER JoinGroup while holding ${[...held]}`);
            // A member joining as new (generation -1: first join, reset, or after a poll timeout) holds nothing.
            if (decodeSubscription(body.protocols[0].metadata).generationId === -1 && held.size > 0) problems.push(`JoinGroup with generation -1 while still holding ${[...held]} (they should be lost)`);
            return innerJoin(body, node);
          });
          const record = host.calls;
          let seen = 0;
          const apply = () => {
            for (; seen < record.length; seen++) {
              const c = record[seen]!;
              for (const p of c.partitions) {
                if (c.what === 'assign') {
                  if (held.has(p)) problems.push(`assign of ${p}, already held`);
                  held.add(p);
                } else {
                  if (!held.has(p)) problems.push(`${c.what} of ${p}, not held`);
                  held.delete(p);
                }
              }
            }
          };
          const check = () => {
            apply();
            const owned = names(m.assignment());
            if (busy === 0 && owned.join() !== [...held].sort().join()) problems.push(`membership owns ${owned} but the host holds ${[...held].sort()}`);
          };

          const subscribed = m.subscribe({ topics: [T] }).catch(() => undefined);
          for (const { ms, poll } of steps) {
            await clock.advance(ms);
            if (poll) m.polled();
            check();
          }
          const left = m.leave();
          await clock.advance(60_000); // callbacks under way finish
          await left;
          await subscribed;
          check();
          expect(problems).toEqual([]);
          expect(held.size).toBe(0);
          expect(host.fatals).toEqual([]);
          expect(clock.pending).toBe(0);
          const after = cluster.requests.length;
          await clock.advance(120_000);
          expect(cluster.requests.length).toBe(after);
          expect(joinRequests).toBeGreaterThan(0);
        },
      ),
      // The scripts now run to their full stated length (test/fast-check-setup.ts), so fewer runs cover more.
      { numRuns: 60 },
    );
  });
});

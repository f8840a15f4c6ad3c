// KIP-227 fetch sessions, client side: whatever the sequence of wanted
// partitions, a broker applying the requests as the protocol says ends up
// with exactly the partitions and parameters the client wants.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FetchSession, type SessionPartition } from '../../src/consumer/fetch-session.js';
import { ErrorCode } from '../../src/messages/error-codes.js';

const wantedArb = fc.array(
  fc.record({ partition: fc.integer({ min: 0, max: 5 }), fetchOffset: fc.bigInt({ min: 0n, max: 20n }), epoch: fc.integer({ min: 0, max: 2 }), maxBytes: fc.constantFrom(100, 200) }),
  { maxLength: 6 },
);

function toMap(list: Array<{ partition: number; fetchOffset: bigint; epoch: number; maxBytes: number }>): Map<string, SessionPartition> {
  const m = new Map<string, SessionPartition>();
  for (const p of list) m.set(`t:${p.partition}`, { topic: 't', topicId: 'id', partition: p.partition, fetchOffset: p.fetchOffset, currentLeaderEpoch: p.epoch, partitionMaxBytes: p.maxBytes });
  return m;
}

describe('FetchSession', () => {
  it('the broker-side session always equals what the client wants; only changes are sent incrementally', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(wantedArb, fc.constantFrom('ok', 'ok', 'ok', 'lost')), { minLength: 1, maxLength: 15 }), (rounds) => {
        const s = new FetchSession();
        let broker = new Map<string, { fetchOffset: bigint; epoch: number; maxBytes: number }>();
        let brokerSession = 0;
        let nextId = 100;
        for (const [list, outcome] of rounds) {
          const wanted = toMap(list);
          const req = s.build(wanted);
          if (req.full) {
            expect(req.sessionEpoch).toBe(0);
            broker = new Map();
          } else {
            expect(req.sessionId).toBe(brokerSession);
            // Nothing unchanged is re-sent.
            for (const t of req.topics) for (const p of t.partitions) {
              const had = broker.get(`t:${p.partition}`);
              expect(had && had.fetchOffset === p.fetchOffset && had.epoch === p.currentLeaderEpoch && had.maxBytes === p.partitionMaxBytes).toBeFalsy();
            }
          }
          for (const t of req.topics) for (const p of t.partitions) broker.set(`t:${p.partition}`, { fetchOffset: p.fetchOffset, epoch: p.currentLeaderEpoch, maxBytes: p.partitionMaxBytes });
          for (const t of req.forgottenTopicsData) for (const p of t.partitions) broker.delete(`t:${p}`);
          expect([...broker.keys()].sort()).toEqual([...wanted.keys()].sort());
          for (const [k, w] of wanted) expect(broker.get(k)).toEqual({ fetchOffset: w.fetchOffset, epoch: w.currentLeaderEpoch, maxBytes: w.partitionMaxBytes });
          if (outcome === 'lost') {
            s.handleResponse(ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 0, req.full);
            brokerSession = 0;
          } else {
            if (req.full) brokerSession = nextId++;
            s.handleResponse(0, brokerSession, req.full);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('epochs count up from 1 after the full request and a session error starts over with a full one', () => {
    const s = new FetchSession();
    const w = toMap([{ partition: 0, fetchOffset: 0n, epoch: 0, maxBytes: 100 }]);
    expect(s.build(w)).toMatchObject({ full: true, sessionId: 0, sessionEpoch: 0 });
    s.handleResponse(0, 9, true);
    expect(s.build(w)).toMatchObject({ full: false, sessionId: 9, sessionEpoch: 1, topics: [] });
    s.handleResponse(0, 9, false);
    expect(s.build(w)).toMatchObject({ full: false, sessionId: 9, sessionEpoch: 2 });
    s.handleResponse(ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0, false);
    expect(s.build(w)).toMatchObject({ full: true, sessionId: 0, sessionEpoch: 0 });
    // A broker that keeps no session (id 0): every request is a full one.
    s.handleResponse(0, 0, true);
    expect(s.build(w)).toMatchObject({ full: true, sessionEpoch: 0 });
  });
});

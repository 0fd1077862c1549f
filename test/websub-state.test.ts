/**
 * WebSub subscription transitions (src/websub-state.ts), pure: discovery,
 * when a request is due (first subscription, waiting for verification,
 * backoff, renewal before the lease ends, denial, unsubscription), and
 * verification of intent only for what was asked. The round trip with a
 * real hub is test/clients/websub.client.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  dueAction, isActive, newSubscription, onDiscovered, onPushed, onRejected, onRequestFailed, onRequested, onVerify, statusOf, toUnsubscribe,
  type Subscription,
} from '../src/websub-state';

const T = { cronIntervalMinutes: 15 };
const LEASE = { defaultLeaseSeconds: 86_400 };
const t0 = new Date('2026-11-26T08:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const HUB = 'https://hub.example/';
const TOPIC = 'https://news.example/feed.xml';

function verified(leaseSeconds = 3_600): Subscription {
  const s = onRequested(newSubscription('src', HUB, TOPIC, t0), t0);
  return onVerify(s, { mode: 'subscribe', topic: TOPIC, leaseSeconds }, at(1), LEASE)!.next!;
}

describe('discovery', () => {
  it('starts one subscription per source and keeps it while the feed advertises the same hub and topic', () => {
    const [s] = onDiscovered([], 'src', [HUB, 'https://other.example/'], TOPIC, t0);
    expect(s).toMatchObject({ sourceId: 'src', hub: HUB, topic: TOPIC, want: 'subscribe', requestedAt: null });
    expect(s.token).toMatch(/^[0-9a-f]{32}$/);
    expect(s.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(onDiscovered([s], 'src', [HUB], TOPIC, at(15))).toEqual([]);
  });

  it('unsubscribes from a hub the feed no longer advertises, and subscribes to the new one', () => {
    const s = verified();
    const out = onDiscovered([s], 'src', ['https://new-hub.example/'], TOPIC, at(30));
    expect(out.map((x) => [x.hub, x.want])).toEqual([[HUB, 'unsubscribe'], ['https://new-hub.example/', 'subscribe']]);
    expect(onDiscovered([s], 'src', [], null, at(30)).map((x) => x.want)).toEqual(['unsubscribe']);
  });

  it('makes each subscription its own token and secret', () => {
    const a = newSubscription('a', HUB, TOPIC, t0);
    const b = newSubscription('a', HUB, TOPIC, t0);
    expect(a.token).not.toBe(b.token);
    expect(a.secret).not.toBe(b.secret);
  });
});

describe('when a request is due', () => {
  it('subscribes at once, then waits two cron periods for the verification before asking again', () => {
    const s = newSubscription('src', HUB, TOPIC, t0);
    expect(dueAction(s, t0, T)).toBe('subscribe');
    const sent = onRequested(s, t0);
    expect(statusOf(sent, at(1))).toBe('pending');
    expect(dueAction(sent, at(29), T)).toBeNull();
    expect(dueAction(sent, at(30), T)).toBe('subscribe');
  });

  it('backs off a failed request by a cron period, doubling, at most a day', () => {
    let s = onRequested(newSubscription('src', HUB, TOPIC, t0), t0);
    s = onRequestFailed(s, { code: 'CONNECTION_FAILED', message: 'hub down' }, t0, T);
    expect(statusOf(s, t0)).toBe('failed');
    expect(s.lastError?.code).toBe('CONNECTION_FAILED');
    expect(dueAction(s, at(14), T)).toBeNull();
    expect(dueAction(s, at(15), T)).toBe('subscribe');
    for (let i = 0; i < 12; i++) s = onRequestFailed(s, { code: 'HUB_REFUSED', message: '500' }, t0, T);
    expect(Date.parse(s.retryAt!) - t0.getTime()).toBe(86_400_000);
  });

  it('renews before the lease ends, and treats a lapsed lease as expired', () => {
    const s = verified(3 * 3_600);
    expect(isActive(s, at(60))).toBe(true);
    expect(statusOf(s, at(60))).toBe('active');
    // Renewal within max(a tenth of the lease, two cron periods) of its end.
    expect(dueAction(s, at(1 + 180 - 31), T)).toBeNull();
    expect(dueAction(s, at(1 + 180 - 30), T)).toBe('subscribe');
    expect(isActive(s, at(1 + 180))).toBe(false);
    expect(statusOf(s, at(1 + 180))).toBe('expired');
    expect(dueAction(s, at(1 + 180), T)).toBe('subscribe');
  });

  it('waits a day after a denial, and deletes an unsubscription that has nothing left at the hub', () => {
    const sent = onRequested(newSubscription('src', HUB, TOPIC, t0), t0);
    const denied = onVerify(sent, { mode: 'denied', topic: TOPIC, leaseSeconds: null, reason: 'not allowed' }, at(1), LEASE)!;
    expect(denied.confirm).toBe(false);
    expect(statusOf(denied.next!, at(2))).toBe('denied');
    expect(dueAction(denied.next!, at(60), T)).toBeNull();
    expect(dueAction(denied.next!, at(1 + 1440), T)).toBe('subscribe');
    expect(dueAction(toUnsubscribe(newSubscription('src', HUB, TOPIC, t0)), t0, T)).toBe('delete');
    expect(dueAction(toUnsubscribe(verified()), at(5), T)).toBe('unsubscribe');
  });
});

describe('verification of intent (§5.3)', () => {
  it('confirms a subscribe only for its own topic, after a request, and starts the lease the hub granted', () => {
    const s = newSubscription('src', HUB, TOPIC, t0);
    expect(onVerify(s, { mode: 'subscribe', topic: TOPIC, leaseSeconds: 600 }, at(1), LEASE)).toBeNull();
    const sent = onRequested(s, t0);
    expect(onVerify(sent, { mode: 'subscribe', topic: 'https://elsewhere.example/feed', leaseSeconds: 600 }, at(1), LEASE)).toBeNull();
    expect(onVerify(sent, { mode: 'unsubscribe', topic: TOPIC, leaseSeconds: null }, at(1), LEASE)).toBeNull();
    const ok = onVerify(sent, { mode: 'subscribe', topic: TOPIC, leaseSeconds: 600 }, at(1), LEASE)!;
    expect(ok.confirm).toBe(true);
    expect(ok.next).toMatchObject({ leaseSeconds: 600, expiresAt: new Date(at(1).getTime() + 600_000).toISOString() });
    // Without hub.lease_seconds the subscriber's own asked-for lease applies.
    expect(onVerify(sent, { mode: 'subscribe', topic: TOPIC, leaseSeconds: null }, at(1), LEASE)!.next!.leaseSeconds).toBe(86_400);
  });

  it('confirms an unsubscribe only when one was asked for, and then forgets the subscription', () => {
    const active = verified();
    expect(onVerify(active, { mode: 'unsubscribe', topic: TOPIC, leaseSeconds: null }, at(5), LEASE)).toBeNull();
    const going = onRequested(toUnsubscribe(active), at(5));
    expect(onVerify(going, { mode: 'unsubscribe', topic: TOPIC, leaseSeconds: null }, at(6), LEASE)).toEqual({ next: null, confirm: true });
    expect(statusOf(going, at(6))).toBe('unsubscribing');
  });

  it('counts pushes and refused distributions', () => {
    const s = onRejected(onPushed(onPushed(verified(), at(2)), at(3)), at(4));
    expect([s.pushes, s.lastPushAt, s.rejected, s.lastRejectedAt]).toEqual([2, at(3).toISOString(), 1, at(4).toISOString()]);
  });
});

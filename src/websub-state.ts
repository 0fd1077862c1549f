/**
 * WebSub subscriptions (W3C Recommendation, 23 January 2018), the subscriber's
 * state, pure: what Marquee remembers about each subscription to a source's
 * hub, and every transition of it, the way health.ts does for polling. The
 * catalog object (the single writer) applies these; the network calls
 * (subscription requests, reading a pushed body) happen outside it
 * (websub.ts), so no transition ever waits on a hub.
 *
 * A subscription is one (source, hub, topic) with its own callback token and
 * secret. `want` is what Marquee asks the hub for; the lease is what the hub
 * last verified. Its life:
 *
 *   a fetch finds rel="hub"        -> new, want subscribe            (onDiscovered)
 *   a run's WebSub step            -> subscription request sent      (dueAction, onRequested)
 *   the hub's GET with a challenge -> confirmed only for a topic and mode we asked for;
 *                                     the lease starts                (onVerified)
 *   a request that fails           -> retried with backoff, next runs (onRequestFailed)
 *   lease near its end             -> renewed by a new request       (dueAction)
 *   lease over, not renewed        -> expired: pushes refused, polling as usual, subscribe again
 *   source removed, hub changed    -> want unsubscribe; the hub's confirmation deletes it
 */
import type { ErrorRecord } from './model';

export interface Subscription {
  /** The callback is `${PUBLIC_URL}/websub/callback/<token>`: it names the subscription. */
  token: string;
  sourceId: string;
  hub: string;
  topic: string;
  /** hub.secret (§5.1: under 200 bytes): the key of the X-Hub-Signature HMAC. */
  secret: string;
  want: 'subscribe' | 'unsubscribe';
  createdAt: string;
  /** When the last subscription request for `want` was sent. */
  requestedAt: string | null;
  /** Consecutive failed requests, and when the next may be sent. */
  failures: number;
  retryAt: string | null;
  lastError: ErrorRecord | null;
  /** The last verification of intent (a subscribe confirmed), and the lease it granted. */
  verifiedAt: string | null;
  leaseSeconds: number | null;
  expiresAt: string | null;
  /** The hub denied the subscription at this time (§5.2). */
  deniedAt: string | null;
  pushes: number;
  lastPushAt: string | null;
  /** Distributions refused: a missing or wrong signature, or no active lease. */
  rejected: number;
  lastRejectedAt: string | null;
}

/** What the subscription looks like from outside, for /admin/sources and /healthz. */
export type SubscriptionStatus = 'active' | 'pending' | 'failed' | 'denied' | 'expired' | 'unsubscribing';

/** Timing of the requests, from the run's config. */
export interface WebsubTiming {
  cronIntervalMinutes: number;
}

const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;

const ms = (iso: string | null) => (iso ? Date.parse(iso) : NaN);

/** A random hex string of `bytes` bytes (Web Crypto, in workerd and Node alike). */
export function randomHex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

export function newSubscription(sourceId: string, hub: string, topic: string, now: Date): Subscription {
  return {
    token: randomHex(16), sourceId, hub, topic, secret: randomHex(32), want: 'subscribe', createdAt: now.toISOString(), requestedAt: null,
    failures: 0, retryAt: null, lastError: null, verifiedAt: null, leaseSeconds: null, expiresAt: null, deniedAt: null,
    pushes: 0, lastPushAt: null, rejected: 0, lastRejectedAt: null,
  };
}

/** True while the hub's lease on a wanted subscription runs: pushes are taken, polling slows down. */
export function isActive(s: Subscription, now: Date): boolean {
  return s.want === 'subscribe' && s.verifiedAt !== null && ms(s.expiresAt) > now.getTime();
}

export function statusOf(s: Subscription, now: Date): SubscriptionStatus {
  if (s.want === 'unsubscribe') return 'unsubscribing';
  if (isActive(s, now)) return 'active';
  if (s.deniedAt) return 'denied';
  if (s.verifiedAt) return 'expired';
  return s.failures > 0 ? 'failed' : 'pending';
}

/**
 * A fetch of `sourceId` found these hubs and this topic (or none). Returns the subscriptions to
 * save: a new one when there is none that wants this hub and topic, and the others of the source
 * switched to unsubscribe (a feed that moved hubs, or stopped advertising one).
 */
export function onDiscovered(current: Subscription[], sourceId: string, hubs: string[], topic: string | null, now: Date): Subscription[] {
  const wanted = current.filter((s) => s.want === 'subscribe');
  const keep = hubs.length && topic ? wanted.find((s) => hubs.includes(s.hub) && s.topic === topic) : undefined;
  const out: Subscription[] = wanted.filter((s) => s !== keep).map((s) => toUnsubscribe(s));
  if (!keep && hubs.length && topic) out.push(newSubscription(sourceId, hubs[0], topic, now));
  return out;
}

/** The source is gone (or moved hubs): ask the hub to stop. */
export function toUnsubscribe(s: Subscription): Subscription {
  return s.want === 'unsubscribe' ? s : { ...s, want: 'unsubscribe', requestedAt: null, failures: 0, retryAt: null, lastError: null };
}

/**
 * What a run should do about a subscription now: send a request for `want`, delete it (an
 * unsubscribe with nothing left at the hub), or nothing. A subscribe is due when there is no
 * lease, or the lease ends within max(a tenth of it, two cron periods) (renewal, §5.1 "subscribers
 * MAY renew"), unless a request is already waiting for its verification (two cron periods), a
 * failed one is backing off, or the hub denied it less than a day ago.
 */
export function dueAction(s: Subscription, now: Date, t: WebsubTiming): 'subscribe' | 'unsubscribe' | 'delete' | null {
  const at = now.getTime();
  const period = t.cronIntervalMinutes * MINUTE;
  if (ms(s.retryAt) > at) return null;
  const waiting = s.requestedAt !== null && at - ms(s.requestedAt) < 2 * period && !(ms(s.verifiedAt) >= ms(s.requestedAt));
  if (s.want === 'unsubscribe') {
    if (!s.verifiedAt || ms(s.expiresAt) <= at) return 'delete';
    return waiting ? null : 'unsubscribe';
  }
  if (s.deniedAt && at - ms(s.deniedAt) < DAY) return null;
  if (waiting) return null;
  if (isActive(s, now)) {
    const renewBefore = Math.max((s.leaseSeconds ?? 0) * 100, 2 * period);
    if (ms(s.expiresAt) - at > renewBefore) return null;
  }
  return 'subscribe';
}

/** A request is about to be sent: recorded first, because a hub may verify before it answers (§5.3). */
export function onRequested(s: Subscription, now: Date): Subscription {
  return { ...s, requestedAt: now.toISOString() };
}

/** The hub refused the request or could not be reached: back off (a cron period x 2^n, at most a day). */
export function onRequestFailed(s: Subscription, error: { code: string; message: string }, now: Date, t: WebsubTiming): Subscription {
  const failures = s.failures + 1;
  const wait = Math.min(DAY, t.cronIntervalMinutes * MINUTE * 2 ** (failures - 1));
  return {
    ...s, failures, requestedAt: null, retryAt: new Date(now.getTime() + wait).toISOString(),
    lastError: { code: error.code, stage: 'websub', message: error.message.slice(0, 300), at: now.toISOString() },
  };
}

export interface VerifyRequest {
  mode: string;
  topic: string;
  leaseSeconds: number | null;
  reason?: string | null;
}

/**
 * §5.3 verification of intent. Confirmed only when it is for the topic of this subscription and
 * the mode Marquee asked for, after a request was sent: anything else gets 404 (§5.3.1: "If the
 * subscriber does not agree with the action, the subscriber MUST respond with a 404"). Returns
 * the new state (null: delete it) and whether to echo the challenge.
 */
export function onVerify(s: Subscription, v: VerifyRequest, now: Date, t: { defaultLeaseSeconds: number }): { next: Subscription | null; confirm: boolean } | null {
  if (v.topic !== s.topic) return null;
  if (v.mode === 'denied') {
    // §5.2: the hub denied the subscription; no challenge to echo.
    return { next: { ...s, deniedAt: now.toISOString(), requestedAt: null, lastError: { code: 'DENIED', stage: 'websub', message: `hub denied the subscription${v.reason ? `: ${v.reason.slice(0, 200)}` : ''}`, at: now.toISOString() } }, confirm: false };
  }
  if (v.mode !== s.want || s.requestedAt === null) return null;
  if (v.mode === 'unsubscribe') return { next: null, confirm: true };
  const lease = v.leaseSeconds && v.leaseSeconds > 0 ? v.leaseSeconds : t.defaultLeaseSeconds;
  return {
    next: {
      ...s, verifiedAt: now.toISOString(), leaseSeconds: lease, expiresAt: new Date(now.getTime() + lease * 1000).toISOString(),
      failures: 0, retryAt: null, lastError: null, deniedAt: null,
    },
    confirm: true,
  };
}

export function onPushed(s: Subscription, now: Date): Subscription {
  return { ...s, pushes: s.pushes + 1, lastPushAt: now.toISOString() };
}

export function onRejected(s: Subscription, now: Date): Subscription {
  return { ...s, rejected: s.rejected + 1, lastRejectedAt: now.toISOString() };
}

/** How a source's subscriptions show in /admin/sources. */
export function describeSubscription(s: Subscription, now: Date) {
  return {
    status: statusOf(s, now),
    hub: s.hub,
    topic: s.topic,
    lease_seconds: s.leaseSeconds,
    expires_at: s.expiresAt,
    verified_at: s.verifiedAt,
    requested_at: s.requestedAt,
    failures: s.failures,
    retry_at: s.retryAt,
    last_error: s.lastError,
    pushes: s.pushes,
    last_push_at: s.lastPushAt,
    rejected: s.rejected,
    last_rejected_at: s.lastRejectedAt,
  };
}

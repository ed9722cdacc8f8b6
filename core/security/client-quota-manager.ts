import { MutationTokenBucket, RateQuotaSensor, type QuotaWindow } from './client-quota-rate.js';
import { resolveClientQuota, type ClientQuotaLookup } from './client-quota-resolution.js';

/** Kafka's QuotaType names (also the metric label) and the quota key each one reads. */
export const ClientQuotaType = {
  produce: 'Produce',
  fetch: 'Fetch',
  request: 'Request',
  controllerMutation: 'ControllerMutation',
} as const;
export type ClientQuotaType = (typeof ClientQuotaType)[keyof typeof ClientQuotaType];

export const quotaKeyOf: Readonly<Record<ClientQuotaType, string>> = {
  Produce: 'producer_byte_rate',
  Fetch: 'consumer_byte_rate',
  Request: 'request_percentage',
  ControllerMutation: 'controller_mutation_rate',
};

/** Kafka purges a client's quota sensors after an hour without activity. */
export const INACTIVE_SENSOR_EXPIRY_MS = 3_600_000;

/** The stored quotas of one key, or null when no entity has that key (the quota type is off). */
export type ClientQuotaSource = (key: string) => ClientQuotaLookup | null;

/**
 * Kafka's ClientQuotaManagers as pure code: for each quota type, the bound that applies to a
 * (user, client id) by the precedence of resolveClientQuota, one sensor per group of clients that
 * share it, and the throttle time of each recorded value. Quotas are read from `source` at every
 * call, so a change committed to the metadata applies to the next request (the samples stay).
 * Time is an input.
 */
export class ClientQuotaManager {
  private readonly rates = new Map<string, RateQuotaSensor>();
  private readonly buckets = new Map<string, MutationTokenBucket>();

  constructor(
    private readonly window: QuotaWindow,
    private readonly source: ClientQuotaSource,
  ) {}

  /**
   * Records `value` (bytes, or percent-seconds of request time) and returns the throttle time in
   * ms, 0 when within the quota or when none applies. Request time is throttled for at most one
   * window, as Kafka does.
   */
  record(type: Exclude<ClientQuotaType, 'ControllerMutation'>, user: string, clientId: string, value: number, nowMs: number): number {
    const resolved = this.resolve(type, user, clientId);
    if (resolved === null) return 0;
    const maxThrottleMs = type === ClientQuotaType.request ? this.window.windowMs : Number.POSITIVE_INFINITY;
    return this.rate(resolved.sensorKey, nowMs).recordAndGetThrottleTimeMs(value, resolved.bound, nowMs, maxThrottleMs);
  }

  /** Takes back a recorded value (a throttled fetch answers without its data). */
  unrecord(type: Exclude<ClientQuotaType, 'ControllerMutation'>, user: string, clientId: string, value: number, nowMs: number): void {
    const resolved = this.resolve(type, user, clientId);
    if (resolved !== null) this.rate(resolved.sensorKey, nowMs).unrecord(value, nowMs);
  }

  /** The bound of this type that applies to a client, or null. */
  bound(type: ClientQuotaType, user: string, clientId: string): number | null {
    return this.resolve(type, user, clientId)?.bound ?? null;
  }

  /** Whether any quota of this type is stored (Kafka records nothing until one is). */
  enabled(type: ClientQuotaType): boolean {
    return this.source(quotaKeyOf[type]) !== null;
  }

  /**
   * Partitions created or deleted: strict (refused while in debt; returns the throttle time, 0 when
   * granted) or permissive (always granted; the throttle time once in debt).
   */
  mutate(user: string, clientId: string, permits: number, strict: boolean, nowMs: number): number {
    const resolved = this.resolve(ClientQuotaType.controllerMutation, user, clientId);
    if (resolved === null) return 0;
    let bucket = this.buckets.get(resolved.sensorKey);
    if (bucket === undefined) this.buckets.set(resolved.sensorKey, (bucket = new MutationTokenBucket(this.window, nowMs)));
    return strict ? bucket.tryAcquire(permits, resolved.bound, nowMs) : bucket.acquire(permits, resolved.bound, nowMs);
  }

  /** Drops sensors idle for an hour, so client ids that come and go do not pile up. */
  expire(nowMs: number): void {
    for (const sensors of [this.rates, this.buckets]) {
      for (const [key, sensor] of sensors) if (nowMs - sensor.lastRecordMs >= INACTIVE_SENSOR_EXPIRY_MS) sensors.delete(key);
    }
  }

  get sensorCount(): number {
    return this.rates.size + this.buckets.size;
  }

  private resolve(type: ClientQuotaType, user: string, clientId: string): { bound: number; sensorKey: string } | null {
    const lookup = this.source(quotaKeyOf[type]);
    if (lookup === null) return null;
    const resolved = resolveClientQuota(lookup, user, clientId);
    if (resolved === null) return null;
    return { bound: resolved.bound, sensorKey: `${type}\u0000${resolved.user}\u0000${resolved.clientId}` };
  }

  private rate(sensorKey: string, nowMs: number): RateQuotaSensor {
    let sensor = this.rates.get(sensorKey);
    if (sensor === undefined) this.rates.set(sensorKey, (sensor = new RateQuotaSensor(this.window, nowMs)));
    return sensor;
  }
}

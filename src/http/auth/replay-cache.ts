/**
 * Remembers JWT ids (`jti`) until their token expires, so a captured token cannot be replayed
 * (CDS Hooks 2.0 §Trusting CDS Clients; best practice: keep for the maximum token lifetime).
 *
 * In memory and per process: behind a load balancer with several instances a token could be replayed
 * once against each instance; a shared store is the fix if that matters.
 */
export class JtiReplayCache {
  private readonly expiries = new Map<string, number>();
  private nextSweepMs = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sweepIntervalMs = 60_000,
  ) {}

  /**
   * Records `key` as used until `expiresAtMs`. Returns false when it was already used and has not
   * expired (a replay), true when this is its first use.
   */
  checkAndRemember(key: string, expiresAtMs: number): boolean {
    const now = this.now();
    this.sweep(now);
    const known = this.expiries.get(key);
    if (known !== undefined && known > now) {
      return false;
    }
    this.expiries.set(key, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.expiries.size;
  }

  private sweep(now: number): void {
    if (now < this.nextSweepMs) {
      return;
    }
    this.nextSweepMs = now + this.sweepIntervalMs;
    for (const [key, expiresAt] of this.expiries) {
      if (expiresAt <= now) {
        this.expiries.delete(key);
      }
    }
  }
}

/**
 * A latency histogram in milliseconds with log buckets (1% relative precision from 10 µs to a minute), cheap to
 * record into, to merge across workers and to send between threads (as sparse [bucket, count] pairs).
 */
const UNIT_MS = 0.01;
const GROWTH = Math.log(1.01);
const BUCKETS = 1600; // 0.01 × (1.01^1600 − 1) ms ≈ 86 s

export type SparseHistogram = [number, number][];

export class Histogram {
  readonly counts = new Float64Array(BUCKETS);
  total = 0;
  max = 0;

  record(ms: number): void {
    const v = ms > 0 ? ms : 0;
    const i = Math.min(BUCKETS - 1, Math.floor(Math.log1p(v / UNIT_MS) / GROWTH));
    this.counts[i]++;
    this.total++;
    if (v > this.max) this.max = v;
  }

  /** The value below which `p` (0..1) of the recorded values fall, as the middle of its bucket. */
  percentile(p: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(p * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.max, UNIT_MS * (Math.exp((i + 0.5) * GROWTH) - 1));
    }
    return this.max;
  }

  toSparse(): SparseHistogram {
    const out: SparseHistogram = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i] > 0) out.push([i, this.counts[i]]);
    return out;
  }

  addSparse(sparse: SparseHistogram, max: number): void {
    for (const [i, n] of sparse) {
      this.counts[i] += n;
      this.total += n;
    }
    if (max > this.max) this.max = max;
  }
}

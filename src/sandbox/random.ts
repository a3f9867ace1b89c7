import { randomInt } from 'node:crypto';

/**
 * A seedable random stream (mulberry32) for the sandbox's strict-docs mode: every choice the docs
 * leave open is drawn from one of these, so a run that failed can be repeated with the same
 * `SANDBOX_SEED`. Each label (a provider's name, `<name>:requests`) has its own stream derived from
 * the seed, so a draw added in one provider never shifts another provider's choices.
 */
export class SandboxRandom {
  private state: number;

  constructor(seed: number, label: string) {
    this.state = hash(`${seed >>> 0}:${label}`);
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(options: readonly [T, ...T[]]): T {
    return options[Math.floor(this.next() * options.length)] ?? options[0];
  }

  /** An integer in [min, max] that is none of `taken` (which it is then added to). */
  intExcept(min: number, max: number, taken: Set<number>): number {
    for (;;) {
      const n = this.int(min, max);
      if (!taken.has(n)) {
        taken.add(n);
        return n;
      }
    }
  }

  /** A few made-up words: a message text that means nothing, so that nobody can match on it. */
  text(): string {
    const syllables = ['ka', 'lo', 'mi', 'ten', 'ru', 'sa', 'vo', 'dex', 'pi', 'nor', 'qua', 'zel', 'tri', 'bo'];
    const words = Array.from({ length: this.int(2, 4) }, () =>
      Array.from({ length: this.int(2, 3) }, () => syllables[this.int(0, syllables.length - 1)]).join('')
    );
    const text = words.join(' ');
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
}

/** A seed for a run that was given none (then reported by `GET /_sandbox/meta`, so it can be repeated). */
export function freshSeed(): number {
  return randomInt(0, 2 ** 31);
}

/** `SANDBOX_SEED`: a non-negative integer, or absent. */
export function parseSeed(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,10}$/.test(value) || Number(value) > 0xffffffff) {
    throw new Error(`SANDBOX_SEED: expected an integer from 0 to ${0xffffffff}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function hash(text: string): number {
  // FNV-1a, 32 bits.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

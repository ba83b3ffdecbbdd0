/**
 * Wall-clock times of an IANA time zone (the config's `timezone`) as UTC instants, with the zone
 * rules Node carries (Intl), so no zone database ships with funnel. Where the clocks go back, a
 * wall-clock time happens twice: the earlier instant is taken (the first time the clock showed it).
 * Where they go forward, the skipped times never happened: such a value is refused (ZoneGap), not
 * moved to a neighbouring hour.
 */

const DAY_MS = 86_400_000;

/** A wall-clock time the zone skips (the clocks jumped over it). */
export const ZONE_GAP: unique symbol = Symbol('zone gap');

/** Whether `name` is a time zone this Node knows (an IANA name such as Europe/Berlin, or UTC). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Whether `name` is UTC under another name (UTC, Etc/UTC, GMT …): read as no zone at all. */
export function isUtc(name: string): boolean {
  return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone.replace(/^Etc\//, '') === 'UTC';
}

export class Zone {
  private readonly parts: Intl.DateTimeFormat;
  /**
   * Per local day (days since 1970-01-01 of the wall-clock date): the zone's offset that whole day,
   * or NaN when the offset changes near it (then each time is worked out on its own). Offsets are
   * looked up a few times per day met, not per value.
   */
  private readonly days = new Map<number, number>();

  constructor(readonly name: string) {
    this.parts = new Intl.DateTimeFormat('en-US', {
      timeZone: name, hourCycle: 'h23', era: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  /** The UTC instant of a wall-clock time in this zone, given as if it were UTC (epoch ms); ZONE_GAP when the zone skips it. */
  instant(wall: number): number | typeof ZONE_GAP {
    const day = Math.floor(wall / DAY_MS);
    let offset = this.days.get(day);
    if (offset === undefined) {
      offset = this.dayOffset(day);
      this.days.set(day, offset);
    }
    return offset === offset ? wall - offset : this.exact(wall);
  }

  /** The offset of the whole local day, when it does not change from the day before to the day after; else NaN. */
  private dayOffset(day: number): number {
    const start = day * DAY_MS;
    // Every instant whose wall-clock date is this day lies in [start − 14 h, start + 38 h].
    const before = this.offsetAt(start - DAY_MS), after = this.offsetAt(start + 2 * DAY_MS);
    if (before !== after) return NaN;
    return this.offsetAt(start + DAY_MS / 2 - before) === before ? before : NaN;
  }

  /**
   * Near a change: the offsets a day either side give the candidate instants; those the zone really
   * shows as `wall` count (two in an overlap: the earlier; none in a gap).
   */
  private exact(wall: number): number | typeof ZONE_GAP {
    let found: number | typeof ZONE_GAP = ZONE_GAP;
    for (const offset of [this.offsetAt(wall - DAY_MS), this.offsetAt(wall + DAY_MS)]) {
      const instant = wall - offset;
      if (this.offsetAt(instant) === offset && (found === ZONE_GAP || instant < found)) found = instant;
    }
    return found;
  }

  /** Wall clock minus UTC at an instant, in ms (whole seconds: offsets before 1970 had seconds). */
  private offsetAt(instant: number): number {
    const t = Math.floor(instant / 1000) * 1000;
    let year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, bc = false;
    for (const p of this.parts.formatToParts(t)) {
      switch (p.type) {
        case 'year': year = +p.value; break;
        case 'month': month = +p.value; break;
        case 'day': day = +p.value; break;
        case 'hour': hour = +p.value; break;
        case 'minute': minute = +p.value; break;
        case 'second': second = +p.value; break;
        case 'era': bc = p.value === 'BC' || p.value === 'B'; break;
      }
    }
    const date = new Date(0);
    date.setUTCFullYear(bc ? 1 - year : year, month - 1, day);
    date.setUTCHours(hour, minute, second, 0);
    return date.getTime() - t;
  }
}

/**
 * Period bucketing (--period), all in UTC whatever the machine's TZ. A period is an integer index
 * (days, ISO weeks, months, quarters, years since an origin), so "the previous period" is index − 1
 * and pipeline deltas can be prefix-summed. Labels and boundaries are integer date math (no Date, no
 * time zone); the tests check them against date-fns on UTCDate.
 * Fiscal quarters and years start in `fiscalYearStartMonth` and are named after the calendar year
 * in which they end (FY2025-Q1).
 */
import { daysFromCivil } from '../ingest/values.js';

export const PERIODS = ['none', 'day', 'week', 'month', 'quarter', 'year'] as const;
export type Period = (typeof PERIODS)[number];

const DAY = 86_400_000;
// 1970-01-05 is a Monday: ISO weeks are counted from it.
const MONDAY_OFFSET = 4;

/** [year, month 1–12, day] of a day number (days since 1970-01-01), proleptic Gregorian (H. Hinnant). */
export function civilFromDays(day: number): [number, number, number] {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, doy - Math.floor((153 * mp + 2) / 5) + 1];
}

/** Months since year 0 of a day number, without a Date object. */
export function monthsFromDays(day: number): number {
  const [year, month] = civilFromDays(day);
  return year * 12 + month - 1;
}

const pad2 = (n: number) => (n < 10 ? '0' + n : String(n));

/** Days from 1970 to 2099 — the dates of nearly every export — have their month-based index cached. */
const CACHED_DAYS = 47_482;
const UNCACHED = -(2 ** 31);

export class PeriodScheme {
  private readonly labels = new Map<number, string>();
  private cache: Int32Array | undefined;
  constructor(readonly period: Period, readonly fiscalYearStartMonth = 1) {}

  /** The period index of a timestamp (0 for `none`). */
  index(ms: number): number {
    const day = Math.floor(ms / DAY);
    if (day >= 0 && day < CACHED_DAYS && this.period !== 'none' && this.period !== 'day' && this.period !== 'week') {
      const cache = (this.cache ??= new Int32Array(CACHED_DAYS).fill(UNCACHED));
      let v = cache[day];
      if (v === UNCACHED) v = cache[day] = this.dayIndex(day);
      return v;
    }
    return this.dayIndex(day);
  }

  private dayIndex(day: number): number {
    switch (this.period) {
      case 'none': return 0;
      case 'day': return day;
      case 'week': return Math.floor((day - MONDAY_OFFSET) / 7);
      default: {
        const months = monthsFromDays(day); // months since year 0
        if (this.period === 'month') return months;
        const fiscal = months - (this.fiscalYearStartMonth - 1);
        return this.period === 'quarter' ? Math.floor(fiscal / 3) : Math.floor(fiscal / 12);
      }
    }
  }

  /** First millisecond of the period with this index. */
  start(index: number): number {
    switch (this.period) {
      case 'none': return -Infinity;
      case 'day': return index * DAY;
      case 'week': return (index * 7 + MONDAY_OFFSET) * DAY;
      default: {
        const months = this.period === 'month' ? index
          : (this.period === 'quarter' ? index * 3 : index * 12) + (this.fiscalYearStartMonth - 1);
        const year = Math.floor(months / 12), month = months - year * 12 + 1;
        return daysFromCivil(year, month, 1) * DAY;
      }
    }
  }

  /** First millisecond after the period (exclusive end). */
  end(index: number): number {
    return this.period === 'none' ? Infinity : this.start(index + 1);
  }

  label(index: number): string {
    let label = this.labels.get(index);
    if (label === undefined) {
      label = this.makeLabel(index);
      this.labels.set(index, label);
    }
    return label;
  }

  private makeLabel(index: number): string {
    const startDay = Math.floor(this.start(index) / DAY);
    const [year, month, day] = this.period === 'none' ? [0, 0, 0] : civilFromDays(startDay);
    switch (this.period) {
      case 'none': return '';
      case 'day': return `${year}-${pad2(month)}-${pad2(day)}`;
      case 'week': {
        // ISO week: the week-year is the year of the week's Thursday; week 1 holds the year's first Thursday.
        const thursday = startDay + 3;
        const [isoYear] = civilFromDays(thursday);
        const week = Math.floor((thursday - daysFromCivil(isoYear, 1, 1)) / 7) + 1;
        return `${isoYear}-W${pad2(week)}`;
      }
      case 'month': return `${year}-${pad2(month)}`;
      case 'quarter': {
        if (this.fiscalYearStartMonth === 1) return `${year}-Q${Math.floor((month - 1) / 3) + 1}`;
        return `FY${this.fiscalYearOf(index * 3)}-Q${(((index % 4) + 4) % 4) + 1}`;
      }
      case 'year':
        return this.fiscalYearStartMonth === 1 ? String(year) : `FY${this.fiscalYearOf(index * 12)}`;
    }
  }

  /** The calendar year in which the fiscal year containing this fiscal-month index ends. */
  private fiscalYearOf(fiscalMonths: number): number {
    const fiscalYearIndex = Math.floor(fiscalMonths / 12);
    const startMonths = fiscalYearIndex * 12 + (this.fiscalYearStartMonth - 1);
    return Math.floor((startMonths + 11) / 12);
  }
}

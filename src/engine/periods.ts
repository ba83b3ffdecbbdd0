/**
 * Period bucketing (SPEC §2), all in UTC whatever the machine's TZ. A period is an integer index
 * (days, ISO weeks, months, quarters, years since an origin), so "the previous period" is index − 1
 * and pipeline deltas can be prefix-summed; labels and boundaries come from date-fns on UTCDate.
 * Fiscal quarters and years start in `fiscalYearStartMonth` and are named after the calendar year
 * in which they end (FY2025-Q1).
 */
import { format } from 'date-fns';
import { UTCDate } from '@date-fns/utc';
import { daysFromCivil } from '../ingest/values.js';

export const PERIODS = ['none', 'day', 'week', 'month', 'quarter', 'year'] as const;
export type Period = (typeof PERIODS)[number];

const DAY = 86_400_000;
// 1970-01-05 is a Monday: ISO weeks are counted from it.
const MONDAY_OFFSET = 4;

/** Months since year 0 of a day number (days since 1970-01-01), without a Date object. */
export function monthsFromDays(day: number): number {
  // civil_from_days (H. Hinnant), proleptic Gregorian
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 12 + month - 1;
}

export class PeriodScheme {
  private readonly labels = new Map<number, string>();
  constructor(readonly period: Period, readonly fiscalYearStartMonth = 1) {}

  /** The period index of a timestamp (0 for `none`). */
  index(ms: number): number {
    const day = Math.floor(ms / DAY);
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
    const start = new UTCDate(this.start(index));
    switch (this.period) {
      case 'none': return '';
      case 'day': return format(start, 'yyyy-MM-dd');
      case 'week': return format(start, "RRRR-'W'II");
      case 'month': return format(start, 'yyyy-MM');
      case 'quarter': {
        if (this.fiscalYearStartMonth === 1) return format(start, 'yyyy-QQQ');
        const fy = this.fiscalYearOf(index * 3);
        return `FY${fy}-Q${(((index % 4) + 4) % 4) + 1}`;
      }
      case 'year':
        return this.fiscalYearStartMonth === 1 ? format(start, 'yyyy') : `FY${this.fiscalYearOf(index * 12)}`;
    }
  }

  /** The calendar year in which the fiscal year containing this fiscal-month index ends. */
  private fiscalYearOf(fiscalMonths: number): number {
    const fiscalYearIndex = Math.floor(fiscalMonths / 12);
    const startMonths = fiscalYearIndex * 12 + (this.fiscalYearStartMonth - 1);
    return Math.floor((startMonths + 11) / 12);
  }
}

/**
 * Human labels for column keys in the reports people read (HTML, workbooks, terminal headers):
 * `median_days_from_previous` → "median days from previous", `cac` → "CAC". Machine formats
 * (JSON, CSV, NDJSON) keep the keys.
 */
const WORDS: Record<string, string> = {
  mrr: 'MRR', arr: 'ARR', cac: 'CAC', ltv: 'LTV', roi: 'ROI', roas: 'ROAS', arpa: 'ARPA', p90: 'p90',
};

export function humanLabel(key: string): string {
  return key.split('_').map((word) => WORDS[word] ?? word).join(' ');
}

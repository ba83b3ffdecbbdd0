#!/usr/bin/env python3
"""Independent MRR movements for the dbt mrr-playbook seed, following the playbook's own model
(as described in the dataset README): a period is active in month M when start_date <= M < end_date;
per customer, month rows from the first start month to the month after the last active month,
MRR 0 in gaps; change categories new / churn / reactivation / upgrade / downgrade.
Unlike dbt, the month spine starts at the first start month (2017-09), not at 2018-01.
Run: python3 test/independent/mrr_playbook.py > test/independent/mrr_playbook.json"""
import csv, json, os
from collections import defaultdict

D = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'datasets', 'dbt-mrr-playbook', 'subscription_periods.csv')
def month(s):  # 'YYYY-MM-DD' on the 1st → month number
    y, m, _ = s.split('-'); return int(y) * 12 + int(m) - 1
def label(n): return f"{n // 12}-{n % 12 + 1:02d}"

subs = list(csv.DictReader(open(D)))
mrr = defaultdict(lambda: defaultdict(int))   # customer → month → mrr
for s in subs:
    for m in range(month(s['start_date']), month(s['end_date'])):
        mrr[s['customer_id']][m] += int(s['monthly_amount'])

first = min(month(s['start_date']) for s in subs)
last = month('2020-03-01')  # --as-of 2020-03-01
out = {label(m): dict(mrr=0, customers=0, new_mrr=0, reactivation_mrr=0, expansion_mrr=0, contraction_mrr=0, churned_mrr=0, new_customers=0, churned_customers=0) for m in range(first, last + 1)}
for cust, series in mrr.items():
    active = sorted(m for m, v in series.items() if v > 0)
    start = active[0]
    # dbt: one row per month from the first month to the month after the last active month
    for m in range(start, active[-1] + 2):
        cur, prev = series.get(m, 0), series.get(m - 1, 0)
        row = out[label(m)]
        row['mrr'] += cur; row['customers'] += cur > 0
        if m == start: category = 'new'
        elif cur == 0 and prev > 0: category = 'churn'
        elif cur > 0 and prev == 0: category = 'reactivation'
        elif cur > prev: category = 'upgrade'
        elif cur < prev: category = 'downgrade'
        else: category = None
        if category == 'new': row['new_mrr'] += cur; row['new_customers'] += 1
        elif category == 'churn': row['churned_mrr'] += prev; row['churned_customers'] += 1
        elif category == 'reactivation': row['reactivation_mrr'] += cur
        elif category == 'upgrade': row['expansion_mrr'] += cur - prev
        elif category == 'downgrade': row['contraction_mrr'] += prev - cur
print(json.dumps(out, indent=1))

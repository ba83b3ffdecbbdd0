#!/usr/bin/env python3
"""Independent expected values for test/real-data.test.ts, from the raw CSVs with Python's csv
module only (no funnel code). Run: python3 test/independent/expected.py"""
import csv, json, os, statistics
from datetime import datetime, timezone

D = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'datasets')

def quarter(d):
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"

# Maven: won/lost by close_date; cycle = close_date - engage_date of won deals.
rows = list(csv.DictReader(open(os.path.join(D, 'maven-crm-sales-opportunities', 'sales_pipeline.csv'))))
def agg(key):
    out = {}
    for r in rows:
        if r['deal_stage'] not in ('Won', 'Lost'):
            continue
        g = out.setdefault(key(r), {'won': 0, 'lost': 0, 'revenue': 0, 'cycles': []})
        if r['deal_stage'] == 'Won':
            g['won'] += 1
            g['revenue'] += int(r['close_value'])
            g['cycles'].append((datetime.fromisoformat(r['close_date']) - datetime.fromisoformat(r['engage_date'])).days)
        else:
            g['lost'] += 1
    return {k: {'won': v['won'], 'lost': v['lost'], 'win_rate': v['won'] / (v['won'] + v['lost']), 'revenue': v['revenue'],
                'avg_deal_size': v['revenue'] / v['won'] if v['won'] else None,
                'median_cycle_days': statistics.median(v['cycles']) if v['cycles'] else None} for k, v in sorted(out.items())}
by_agent = agg(lambda r: r['sales_agent'])
by_product_quarter = agg(lambda r: (quarter(datetime.fromisoformat(r['close_date'])), r['product']))

# Olist: leads by origin (empty → "(not set)", apart from the literal origin "unknown"), and leads that
# converted (have a closed deal), by origin and by first_contact_date month (cohort).
mqls = list(csv.DictReader(open(os.path.join(D, 'olist-marketing-funnel', 'olist_marketing_qualified_leads_dataset.csv'))))
won = {r['mql_id'] for r in csv.DictReader(open(os.path.join(D, 'olist-marketing-funnel', 'olist_closed_deals_dataset.csv')))}
def conv(key):
    out = {}
    for m in mqls:
        g = out.setdefault(key(m), [0, 0])
        g[0] += 1
        g[1] += m['mql_id'] in won
    return {k: {'leads': v[0], 'customers': v[1]} for k, v in sorted(out.items())}
olist_by_origin = conv(lambda m: m['origin'] or '(not set)')
olist_by_month = conv(lambda m: m['first_contact_date'][:7])

# HubSpot (Flinn): status from the booleans is_closed / is_closed_won (strings True/False).
hub = list(csv.DictReader(open(os.path.join(D, 'hubspot-deals-with-stage-dates', 'hubspot_deals.csv'), newline='')))
def hub_status(r):
    won, closed = r['is_closed_won'] == 'True', r['is_closed'] == 'True'
    return 'won' if won else 'lost' if closed else 'open'
hubspot_status = {s: sum(1 for r in hub if hub_status(r) == s) for s in ('won', 'lost', 'open')}

# The same file read as leads, one stage per date_entered_<stage> column (closed_lost is not a stage).
# Every lead reaches stage 0 (pre_pitch), at its own column's time, else at create_date; a lead reached
# stage k if it has a time for k or any later stage; durations between two stages that both have a time.
HUB_STAGES = ['pre_pitch', 'pitching', 'product_testing', 'price_offering', 'contract_negotiation', 'closed_won']
def hub_time(v):
    return datetime.fromisoformat(v).replace(tzinfo=timezone.utc).timestamp() if v else None
hub_reached, hub_in_stage, hub_days = [0] * 6, [0] * 6, [[] for _ in HUB_STAGES]
for r in hub:
    t = [hub_time(r['date_entered_' + s]) for s in HUB_STAGES]
    if t[0] is None:
        t[0] = hub_time(r['create_date'])
    furthest = max(k for k in range(6) if t[k] is not None)
    for k in range(furthest + 1):
        hub_reached[k] += 1
    hub_in_stage[furthest] += 1
    for k in range(1, 6):
        if t[k] is not None and t[k - 1] is not None:
            hub_days[k].append((t[k] - t[k - 1]) / 86400)
hubspot_stages = [{'stage': s, 'reached': hub_reached[k], 'median_days_from_previous': statistics.median(hub_days[k]) if k else None,
                   'in_stage': hub_in_stage[k]} for k, s in enumerate(HUB_STAGES)]

# Salesforce (data-cloud-workshop) Opportunity through the salesforce preset: status from IsWon / IsClosed
# (1 or empty). Every CreatedDate is the load time, so a closed deal whose CloseDate (a date) falls on an
# earlier day is rejected (line = record number + 1: the header is line 1); open deals stay open at the as-of.
sf_dir = os.path.join(D, 'salesforce-sample-export', 'data-cloud-workshop')
sf = list(csv.DictReader(open(os.path.join(sf_dir, 'Opportunity.csv'), encoding='utf-8-sig', newline='')))
def sf_status(r):
    return 'won' if r['IsWon'] == '1' else 'lost' if r['IsClosed'] == '1' else 'open'
sf_rejected, sf_open = [], {}
for line, r in enumerate(sf, start=2):
    status = sf_status(r)
    if status != 'open':
        if r['CloseDate'] < r['CreatedDate'][:10]:
            sf_rejected.append([line, status])
        continue
    g = sf_open.setdefault(r['StageName'], {'open_deals': 0, 'pipeline_value': 0.0, 'weighted_pipeline': 0.0})
    g['open_deals'] += 1
    g['pipeline_value'] += float(r['Amount'])
    g['weighted_pipeline'] += float(r['Amount']) * float(r['Probability']) / 100  # Probability is a percent
sf_leads = {}
for r in csv.DictReader(open(os.path.join(sf_dir, 'Lead.csv'), encoding='utf-8-sig', newline='')):
    sf_leads[r['LeadSource'] or '(not set)'] = sf_leads.get(r['LeadSource'] or '(not set)', 0) + 1

# Zoho Potentials and Leads through the zoho preset (LEADID, the export's own id column, as the id and
# the deals' lead_id): status from the stage, Type through the preset's value map.
zoho_dir = os.path.join(D, 'zoho-crm-sample-export')
zd = list(csv.DictReader(open(os.path.join(zoho_dir, 'Potentials.csv'), newline='')))
zoho_types = {'New Business': 'new', 'Existing Business': 'expansion'}
zoho_by_type = {}
for r in zd:
    g = zoho_by_type.setdefault(zoho_types[r['Type']], {'created': 0, 'won': 0, 'lost': 0, 'revenue': 0.0})
    g['created'] += 1
    if r['Stage'] == 'Closed Won':
        g['won'] += 1
        g['revenue'] += float(r['Amount'].replace('$', '').replace(',', ''))
    elif r['Stage'] in ('Closed Lost', 'Closed-Lost to Competition'):
        g['lost'] += 1
for g in zoho_by_type.values():
    g['win_rate'] = g['won'] / (g['won'] + g['lost'])
# Leads by source: a lead with a deal reaches the opportunity stage (and so mql and sql), one with a won deal the customer stage.
with_deal = {r['LEADID'] for r in zd}
with_won = {r['LEADID'] for r in zd if r['Stage'] == 'Closed Won'}
zoho_leads = {}
for r in csv.DictReader(open(os.path.join(zoho_dir, 'Leads.csv'), newline='')):
    g = zoho_leads.setdefault(r['Lead Source'] or '(not set)', {'leads': 0, 'opportunity': 0, 'customer': 0})
    g['leads'] += 1
    g['opportunity'] += r['LEADID'] in with_deal
    g['customer'] += r['LEADID'] in with_won

# Zoho: dates written "15 Apr, 2021 00:02:00"; money "$22,700.00" and, in Campaigns, "$141.56K" (× 1000).
# Deals: created per month of Created Time; won ("Closed Won") and their Amount per month of Closing Date.
# Spend: Actual Cost per campaign Type, in cents (exact).
from decimal import Decimal
ZOHO = os.path.join(D, 'zoho-crm-sample-export')
def zoho_month(text):
    return datetime.strptime(text, '%d %b, %Y %H:%M:%S').strftime('%Y-%m')
def zoho_money(text):
    text = text.replace('$', '').replace(',', '')
    return Decimal(text[:-1]) * 1000 if text.endswith('K') else Decimal(text)
zoho_deals = {}
for r in csv.DictReader(open(os.path.join(ZOHO, 'Potentials.csv'), newline='')):
    zoho_deals.setdefault(zoho_month(r['Created Time']), {'created': 0, 'won': 0, 'revenue': 0})['created'] += 1
    if r['Stage'] == 'Closed Won':
        g = zoho_deals.setdefault(zoho_month(r['Closing Date']), {'created': 0, 'won': 0, 'revenue': 0})
        g['won'] += 1
        g['revenue'] += zoho_money(r['Amount'])
zoho_deals = {k: {**v, 'revenue': float(v['revenue'])} for k, v in sorted(zoho_deals.items())}
zoho_spend_by_type = {}
for r in csv.DictReader(open(os.path.join(ZOHO, 'Campaigns.csv'), newline='')):
    zoho_spend_by_type[r['Type']] = zoho_spend_by_type.get(r['Type'], 0) + zoho_money(r['Actual Cost'])
zoho_spend_by_type = {k: float(v) for k, v in sorted(zoho_spend_by_type.items())}

# B2B paid media MQLs.csv (';', CRLF; no lead ids): each row one entry into the mql stage at its
# "Marketing Qualified Date" (M/D/YYYY h:mm AM/PM), per month, and per month and UTM_Medium (empty → "(not set)").
b2b_mqls_by_month, b2b_mqls_by_month_medium = {}, {}
for r in csv.DictReader(open(os.path.join(D, 'b2b-paid-media-funnel', 'MQLs.csv'), newline=''), delimiter=';'):
    month = datetime.strptime(r['Marketing Qualified Date'], '%m/%d/%Y %I:%M %p').strftime('%Y-%m')
    b2b_mqls_by_month[month] = b2b_mqls_by_month.get(month, 0) + 1
    key = f"{month} {r['UTM_Medium'] or '(not set)'}"
    b2b_mqls_by_month_medium[key] = b2b_mqls_by_month_medium.get(key, 0) + 1

# The whole B2B funnel as per-stage lists without ids (README example): each row of Leads.csv one entry
# into lead at its Created Date, of MQLs.csv into mql, of Pipeline_Opportunities.csv into opportunity at
# its "Reached Pipeline Opportunity Date", of Closed_Won_Bookings.csv into customer at its Close Date;
# counted per stage and month (the dates are M/D/YYYY, MQLs' with a 12-hour time).
def b2b_month(text):
    for pattern in ('%m/%d/%Y %I:%M %p', '%m/%d/%Y'):
        try:
            return datetime.strptime(text.strip(), pattern).strftime('%Y-%m')
        except ValueError:
            pass
    raise ValueError(text)
b2b_funnel_by_month = {}
for stage, name, column in (('lead', 'Leads.csv', 'Created Date'), ('mql', 'MQLs.csv', 'Marketing Qualified Date'),
                            ('opportunity', 'Pipeline_Opportunities.csv', 'Reached Pipeline Opportunity Date'),
                            ('customer', 'Closed_Won_Bookings.csv', 'Close Date')):
    for r in csv.DictReader(open(os.path.join(D, 'b2b-paid-media-funnel', name), newline=''), delimiter=';'):
        key = f"{b2b_month(r[column])} {stage}"
        b2b_funnel_by_month[key] = b2b_funnel_by_month.get(key, 0) + 1

# Salesforce dev-org-sample Opportunity.csv (re-saved in Excel: MM/DD/YY dates, TRUE/FALSE), read as the
# example config says: created = the first non-empty of "Opp Creation Date_Simulated", CreatedDate; closed =
# of "Opp Close Date_Simulated", CloseDate; won when IsWon, lost when IsClosed and not IsWon, else open; a
# won or lost deal closed before it was created is rejected. Per LeadSource (empty → "(not set)").
def sf_dev_time(text):
    for pattern in ('%m/%d/%y %I:%M %p', '%m/%d/%y'):
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            pass
    raise ValueError(text)
sf_dev = {}
sf_dev_rejected = 0
for r in csv.DictReader(open(os.path.join(D, 'salesforce-sample-export', 'dev-org-sample', 'Opportunity.csv'), newline='')):
    created = sf_dev_time(r['Opp Creation Date_Simulated'] or r['CreatedDate'])
    closed_text = r['Opp Close Date_Simulated'] or r['CloseDate']
    status = 'won' if r['IsWon'].upper() == 'TRUE' else 'lost' if r['IsClosed'].upper() == 'TRUE' else 'open'
    if status != 'open' and sf_dev_time(closed_text) < created:
        sf_dev_rejected += 1
        continue
    g = sf_dev.setdefault(r['LeadSource'] or '(not set)', {'created': 0, 'won': 0, 'lost': 0, 'revenue': 0, 'open_deals': 0})
    g['created'] += 1
    g[status if status != 'open' else 'open_deals'] += 1
    if status == 'won':
        g['revenue'] += int(r['Amount'])
for g in sf_dev.values():
    g['win_rate'] = g['won'] / (g['won'] + g['lost']) if g['won'] + g['lost'] else None

print(json.dumps({'hubspot_status': hubspot_status, 'hubspot_stages': hubspot_stages, 'maven_by_agent': by_agent, 'maven_by_product_quarter': {f'{q} {p}': v for (q, p), v in by_product_quarter.items()},
                  'olist_by_origin': olist_by_origin, 'olist_by_month': olist_by_month,
                  'salesforce_rejected': sf_rejected, 'salesforce_open_by_stage': dict(sorted(sf_open.items())), 'salesforce_leads_by_source': dict(sorted(sf_leads.items())),
                  'zoho_deals_by_type': dict(sorted(zoho_by_type.items())), 'zoho_leads_by_source': dict(sorted(zoho_leads.items())),
                  'zoho_deals_by_month': zoho_deals, 'zoho_spend_by_type': zoho_spend_by_type,
                  'b2b_mqls_by_month': dict(sorted(b2b_mqls_by_month.items())), 'b2b_mqls_by_month_medium': dict(sorted(b2b_mqls_by_month_medium.items())),
                  'b2b_funnel_by_month': dict(sorted(b2b_funnel_by_month.items())),
                  'salesforce_dev_org_by_source': dict(sorted(sf_dev.items())), 'salesforce_dev_org_rejected': sf_dev_rejected}, indent=1))

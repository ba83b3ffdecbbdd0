/**
 * Zoho CRM exports (Deals, formerly "Potentials"; Leads; Campaigns): headers are field labels;
 * money is written with its symbol and thousands separators ("$22,700.00"); an unset picklist is "-None-".
 */
import type { Preset } from './preset.js';

export const zoho: Preset = {
  name: 'zoho',
  label: 'Zoho CRM',
  summary: 'Zoho CRM deals (potentials), leads and campaigns exports (labels such as "Closing Date")',
  config: {
    columns: {
      leads: {
        id: ['Record Id', 'Lead Id', 'Id'],
        created_at: 'Created Time',
        source: ['Lead Source', null],
        owner: ['Lead Owner', null],
        name: ['Full Name', 'Last Name', 'First Name', null],
        email: ['Email', null],
        phone: ['Phone', 'Mobile', null],
        company: ['Company', null],
      },
      deals: {
        // A Potentials export may have no id column: each deal is then named by its file and line.
        id: ['Record Id', 'Deal Id', 'Potential Id', 'Id', null],
        created_at: 'Created Time',
        // No status column: a deal's status comes from its stage (status.won / status.lost below).
        status: null,
        stage: ['Stage', null],
        closed_at: ['Closing Date', null],
        amount: ['Amount', null],
        probability: ['Probability (%)', 'Probability', null],
        source: ['Lead Source', null],
        campaign: ['Campaign Source', null],
        owner: ['Deal Owner', 'Potential Owner', null],
        customer_id: ['Account Name', null],
        type: ['Type', null],
      },
      spend: {
        date: ['Start Date'],
        amount: ['Actual Cost'],
        campaign: ['Campaign Name', null],
      },
    },
    values: {
      leads: { source: { '-None-': '' } },
      deals: { type: { 'New Business': 'new', 'Existing Business': 'expansion', '-None-': '' }, source: { '-None-': '' } },
    },
    // Zoho writes times as "15 Apr, 2021 00:02:00" (in the account's date format; this is its default).
    dateFormats: ['dd MMM, yyyy HH:mm:ss'],
    status: { won: ['Closed Won'], lost: ['Closed Lost', 'Closed-Lost to Competition', 'Closed Lost to Competition'] },
  },
  alsoSeen: {
    deals: ['Potential Name', 'Deal Name', 'Forecast Type', 'Expected Revenue', 'Next Step'],
    leads: ['Lead Status', 'Lead Source'],
    spend: ['Budgeted Cost', 'Expected Revenue', 'Campaign Owner'],
  },
};

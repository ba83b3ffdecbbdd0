/**
 * HubSpot CRM exports ("Export" in a deals or contacts view): headers are property labels, every
 * value is quoted. Current exports name the id "Record ID", older ones "Deal ID" / "Contact ID";
 * the lifecycle stage dates come as "Became a … Date" (older) or `Date entered "… (Lifecycle Stage Pipeline)"`.
 */
import type { Preset } from './preset.js';

/** A lifecycle stage's entry date under each of its labels, newest first; an export may have none of them. */
const lifecycleDate = (became: string, stage: string) => [
  became,
  `Date entered "${stage} (Lifecycle Stage Pipeline)"`,
  `Date entered '${stage} (Lifecycle Stage Pipeline)'`,
  null,
];

export const hubspot: Preset = {
  name: 'hubspot',
  label: 'HubSpot',
  summary: 'HubSpot deals and contacts exports (labels such as "Record ID", "Deal Stage", "Create Date")',
  config: {
    stageAliases: {
      'Marketing Qualified Lead': 'mql', marketingqualifiedlead: 'mql',
      'Sales Qualified Lead': 'sql', salesqualifiedlead: 'sql',
    },
    columns: {
      leads: {
        id: ['Record ID', 'Contact ID'],
        created_at: 'Create Date',
        source: ['Original Traffic Source', 'Original Source', null],
        owner: ['Contact owner', null],
        name: ['First Name', 'Last Name', null],
        email: ['Email', null],
        phone: ['Phone Number', 'Mobile Phone Number', null],
        company: ['Company Name', 'Associated Company', null],
        mql_at: lifecycleDate('Became a Marketing Qualified Lead Date', 'Marketing Qualified Lead'),
        sql_at: lifecycleDate('Became a Sales Qualified Lead Date', 'Sales Qualified Lead'),
        opportunity_at: lifecycleDate('Became an Opportunity Date', 'Opportunity'),
        customer_at: lifecycleDate('Became a Customer Date', 'Customer'),
      },
      deals: {
        id: ['Record ID', 'Deal ID'],
        created_at: 'Create Date',
        // No status column: a deal's status comes from its stage (status.won / status.lost below).
        status: null,
        stage: ['Deal Stage', null],
        closed_at: ['Close Date', null],
        amount: ['Amount', 'Amount in company currency', null],
        owner: ['Deal owner', null],
        source: ['Original Traffic Source', 'Original Source', null],
        customer_id: ['Associated Company IDs', null],
        type: ['Deal Type', null],
        probability: ['Deal probability', null],
      },
    },
    values: {
      deals: { type: { 'New Business': 'new', newbusiness: 'new', 'Existing Business': 'expansion', existingbusiness: 'expansion' } },
    },
    // Stage labels of the default sales pipeline, and the internal ids an API export writes.
    status: { won: ['Closed Won', 'closedwon'], lost: ['Closed Lost', 'closedlost'] },
  },
  alsoSeen: { deals: ['Deal Name', 'Pipeline'], leads: ['Lifecycle Stage', 'Lead Status'] },
};

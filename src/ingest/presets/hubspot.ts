/**
 * HubSpot CRM exports ("Export" in a deals or contacts view): headers are property labels, every
 * value is quoted. Current exports name the id "Record ID", older ones "Deal ID" / "Contact ID";
 * the lifecycle stage dates come as "Became a … Date" (older) or `Date entered "… (Lifecycle Stage Pipeline)"`,
 * a deal pipeline's as `Date entered "… (Sales Pipeline)"`: read through stageColumns templates.
 */
import type { Preset } from './preset.js';

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
    // The stage dates: contacts' lifecycle stages ("Became a Lead Date", the newer `Date entered "Lead
    // (Lifecycle Stage Pipeline)"`), and a deals export read as leads, its pipeline's stages
    // (`Date entered "Pitching (Sales Pipeline)"`). Subscriber, Evangelist and Other stay dimensions
    // unless the run has such stages.
    stageColumns: {
      leads: ['Became a {stage} Date', 'Became an {stage} Date', 'Date entered "{stage} (*)"', "Date entered '{stage} (*)'"],
    },
    values: {
      deals: { type: { 'New Business': 'new', newbusiness: 'new', 'Existing Business': 'expansion', existingbusiness: 'expansion' } },
    },
    // Stage labels of the default sales pipeline, and the internal ids an API export writes.
    status: { won: ['Closed Won', 'closedwon'], lost: ['Closed Lost', 'closedlost'] },
  },
  alsoSeen: { deals: ['Deal Name', 'Pipeline'], leads: ['Lifecycle Stage', 'Lead Status', 'Became a Lead Date', 'Became a Marketing Qualified Lead Date', 'Became a Customer Date'] },
};

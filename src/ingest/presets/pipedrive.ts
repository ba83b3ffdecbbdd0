/**
 * Pipedrive exports (Deals and People lists, "Export results"): every header is prefixed with its
 * entity ("Deal - Value", "Person - Email"); newer exports say "Deal - Deal created" where older ones
 * said "Deal - Add time". Linked records (organization, contact person) are named, not numbered.
 * Status values are open, won and lost in any case. Labels are localised ("Obchod - Hodnota" in a Czech
 * export): only the English ones are mapped, since no other language's full set is known.
 */
import type { Preset } from './preset.js';

export const pipedrive: Preset = {
  name: 'pipedrive',
  label: 'Pipedrive',
  summary: 'Pipedrive deals and people exports (headers such as "Deal - ID", "Deal - Won time")',
  config: {
    columns: {
      leads: {
        id: ['Person - ID'],
        created_at: ['Person - Person created', 'Person - Add time', 'Person - Creation date'],
        owner: ['Person - Owner', null],
        name: ['Person - Name', null],
        email: ['Person - Email', null],
        phone: ['Person - Phone', null],
        company: ['Person - Organization', null],
      },
      deals: {
        id: ['Deal - ID'],
        created_at: ['Deal - Deal created', 'Deal - Add time', 'Deal - Creation date'],
        status: ['Deal - Status', null],
        stage: ['Deal - Stage', null],
        // A won deal's close time is its won time, a lost one's its lost time.
        closed_at: ['Deal - Won time', 'Deal - Lost time', 'Deal - Deal closed on', 'Deal - Closed on', 'Deal - Close time', null],
        amount: ['Deal - Value', null],
        currency: ['Deal - Currency', 'Deal - Currency of value', null],
        probability: ['Deal - Probability', null],
        owner: ['Deal - Owner', null],
        source: ['Deal - Source channel', null],
        customer_id: ['Deal - Organization', 'Deal - Contact person', null],
      },
    },
  },
  alsoSeen: {
    // The time of the last stage change (older: "Deal - Stage change time") is no column of a deal here.
    deals: ['Deal - Title', 'Deal - Pipeline', 'Deal - Lost reason', 'Deal - Expected close date', 'Deal - Update time', 'Deal - Last stage change', 'Deal - Stage change time'],
    leads: ['Person - Label', 'Person - Update time'],
  },
};

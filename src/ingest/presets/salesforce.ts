/**
 * Salesforce exports: API field names from Data Loader, Workbench or the weekly Data Export
 * (Opportunity, Lead, Campaign objects: "StageName", "IsWon", "CreatedDate"), and the labels of
 * report exports ("Opportunity Name", "Close Date", "Lead Source") where they name the same field.
 */
import type { Preset } from './preset.js';

export const salesforce: Preset = {
  name: 'salesforce',
  label: 'Salesforce',
  summary: 'Salesforce Opportunity, Lead and Campaign exports (API names such as "StageName", "IsWon")',
  config: {
    columns: {
      leads: {
        id: ['Id', 'Lead ID'],
        created_at: ['CreatedDate', 'Created Date'],
        source: ['LeadSource', 'Lead Source', null],
        owner: ['OwnerId', 'Lead Owner', null],
        name: ['Name', 'LastName', 'Last Name', null],
        email: ['Email', null],
        phone: ['Phone', 'MobilePhone', 'Mobile', null],
        company: ['Company', 'Company / Account', null],
        // Converting a lead creates its account, contact and opportunity.
        opportunity_at: ['ConvertedDate', 'Converted Date', null],
      },
      deals: {
        // A report export has no id unless the report shows one: its rows are then each their own deal.
        // ("Opportunity Name" is no id: names repeat. It stays a dimension.)
        id: ['Id', 'Opportunity ID', null],
        created_at: ['CreatedDate', 'Created Date'],
        // Won and closed flags, whatever the stage is called (a report shows them as "Won" and "Closed" when
        // it has them); without them the status comes from the stage (status.won / status.lost below).
        status: { won: ['IsWon', 'Won', null], closed: ['IsClosed', 'Closed', null] },
        stage: ['StageName', 'Stage', null],
        closed_at: ['CloseDate', 'Close Date', null],
        amount: ['Amount', 'Total Amount', null],
        probability: ['Probability', 'Probability (%)', null],
        source: ['LeadSource', 'Lead Source', null],
        campaign: ['CampaignId', 'Primary Campaign Source', null],
        owner: ['OwnerId', 'Opportunity Owner', null],
        customer_id: ['AccountId', 'Account ID', 'Account Name', null],
        type: ['Type', null],
        currency: ['CurrencyIsoCode', 'Opportunity Currency', 'Amount Currency', 'Total Amount Currency', null],
      },
      spend: {
        date: ['StartDate', 'Start Date'],
        amount: ['ActualCost', 'Actual Cost'],
        campaign: ['Id', 'Campaign ID', 'Campaign Name', null],
        currency: ['CurrencyIsoCode', 'Actual Cost Currency', null],
      },
    },
    values: {
      // The standard Type picklist; a downgrade or a replacement renews an existing customer's contract.
      deals: { type: {
        'New Customer': 'new', 'New Business': 'new',
        'Existing Customer - Upgrade': 'expansion',
        'Existing Customer - Replacement': 'renewal', 'Existing Customer - Downgrade': 'renewal',
      } },
    },
    status: { won: ['Closed Won'], lost: ['Closed Lost'] },
  },
  alsoSeen: {
    deals: ['IsDeleted', 'ForecastCategory', 'ForecastCategoryName', 'Opportunity Name', 'Fiscal Period', 'Forecast Category'],
    leads: ['IsConverted', 'ConvertedOpportunityId', 'IsDeleted', 'Lead Status'],
    spend: ['BudgetedCost', 'ExpectedRevenue', 'NumberOfLeads', 'IsActive'],
  },
};

/**
 * The views table: every view, in display order (commands, `report`, `funnel metrics`). A view is
 * declared once, by its row at the end of its own file (see ViewDef in view.ts); adding a view is
 * its file and a line here.
 */
import { STAGES_VIEW } from './stages.js';
import { DEALS_VIEW } from './deals.js';
import { MARKETING_VIEW } from './marketing.js';
import { CUSTOMERS_VIEW } from './customers.js';
import { MRR_VIEW } from './mrr.js';
import { QUALITY_VIEW } from './quality.js';
import type { ViewDef } from './view.js';

export const VIEWS = [STAGES_VIEW, DEALS_VIEW, MARKETING_VIEW, CUSTOMERS_VIEW, MRR_VIEW, QUALITY_VIEW] as const;

export type ViewName = (typeof VIEWS)[number]['name'];

export const VIEWS_BY_NAME = Object.fromEntries(VIEWS.map((v) => [v.name, v])) as Record<ViewName, ViewDef<ViewName>>;

/**
 * A deal's status derived from its stage (no status column): the words are folded once per stage
 * text met and remembered (StatusWords.byStage); the answer is the same as folding each row's stage,
 * and past the cap of remembered texts the rest are folded row by row.
 */
import { describe, expect, it } from 'vitest';
import { dealStatusWords, settleDeal } from '../src/ingest/schemas.js';
import { parseConfig } from '../src/ingest/config.js';

const config = parseConfig({ status: { won: ['Closed Won', 'signed'], lost: ['Closed Lost'] } }, 'funnel.config.json');
const T0 = Date.UTC(2024, 0, 1), T1 = Date.UTC(2024, 1, 1);

describe("a deal's status from its stage", () => {
  it('is the same with the stage texts remembered as without, in any case and order', () => {
    const remembered = dealStatusWords(config), fresh = () => ({ ...dealStatusWords(config), byStage: undefined });
    const stages = ['Closed Won', 'closed won', 'CLOSED LOST', 'Contract Sent', 'Signed', 'closed won ', 'Closed Won'];
    for (let round = 0; round < 3; round++) {
      for (const stage of stages) expect(settleDeal(undefined, stage, T1, 10, remembered, T0)).toEqual(settleDeal(undefined, stage, T1, 10, fresh(), T0));
    }
    expect(settleDeal(undefined, 'closed won', T1, 10, remembered, T0)).toBe('won');
    expect(settleDeal(undefined, 'CLOSED LOST', T1, 10, remembered, T0)).toBe('lost');
    expect(settleDeal(undefined, 'closed won ', T1, 10, remembered, T0)).toBe('open'); // a stage is not trimmed
    expect([...remembered.byStage!.keys()]).toEqual([...new Set(stages)]);
  });

  it('keeps a status column over the stage, and the rules for closed_at and amount, whatever is remembered', () => {
    const words = dealStatusWords(config);
    expect(settleDeal('open', 'Closed Won', undefined, undefined, words, T0)).toBe('open');
    expect(settleDeal(undefined, 'Closed Won', undefined, 10, words, T0)).toEqual({ path: 'closed_at', message: 'missing (required for won deals)' });
    expect(settleDeal(undefined, 'Closed Won', T1, undefined, words, T0)).toEqual({ path: 'amount', message: 'missing (required for won deals)' });
    expect(settleDeal(undefined, undefined, T1, 10, words, T0)).toMatchObject({ path: 'status' });
  });

  it('remembers at most 4,096 stage texts; the others are still read right', () => {
    const words = dealStatusWords(config);
    for (let i = 0; i < 5_000; i++) expect(settleDeal(undefined, `stage ${i}`, T1, 10, words, T0)).toBe('open');
    expect(words.byStage!.size).toBe(4096);
    expect(settleDeal(undefined, 'Signed', T1, 10, words, T0)).toBe('won');
    expect(words.byStage!.has('Signed')).toBe(false);
  });
});

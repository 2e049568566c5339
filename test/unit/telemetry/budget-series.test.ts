import { describe, expect, it } from 'vitest';
import { type BudgetReading, budgetSeries } from '../../../src/telemetry/index.ts';

const READINGS: BudgetReading[] = [
  { level: 'team', id: 'team-a', budget: 'tokens', window: 'daily', ratio: 0.2 },
  { level: 'team', id: 'team-b', budget: 'tokens', window: 'daily', ratio: 0.7 },
  { level: 'team', id: 'team-b', budget: 'usd', window: 'monthly', ratio: 0.1 },
  { level: 'tenant', id: 'tenant-1', budget: 'tokens', window: 'daily', ratio: 0.4 },
];
const tenantOfTeam = (team: string) => (team === 'team-a' ? 'tenant-1' : 'tenant-2');

describe('budget utilisation series', () => {
  it('without tenant and team labels, reports the most-spent budget of each level, budget and window', () => {
    expect(budgetSeries(READINGS, { tenantLabels: false, teamLabels: false, tenantOfTeam })).toEqual([
      { labels: ['team', '', '', 'tokens', 'daily'], value: 0.7 },
      { labels: ['team', '', '', 'usd', 'monthly'], value: 0.1 },
      { labels: ['tenant', '', '', 'tokens', 'daily'], value: 0.4 },
    ]);
  });

  it('with the labels on, one series per scope, a team under its tenant', () => {
    const series = budgetSeries(READINGS, { tenantLabels: true, teamLabels: true, tenantOfTeam });
    expect(series).toHaveLength(4);
    expect(series[0]).toEqual({ labels: ['team', 'tenant-1', 'team-a', 'tokens', 'daily'], value: 0.2 });
    expect(series[3]).toEqual({ labels: ['tenant', 'tenant-1', '', 'tokens', 'daily'], value: 0.4 });
  });
});

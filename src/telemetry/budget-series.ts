/**
 * @module The series of `gatehouse_budget_utilization_ratio` from budget readings. With tenant and team labels
 * off (the default), scopes of one level, budget and window share a series, and it reports the highest ratio
 * among them: the budget closest to running out is the one an operator must hear about, and the series count
 * stays fixed whatever the number of tenants.
 */

/** One budget's reading (`BudgetUtilization` from src/admission has this shape). */
export interface BudgetReading {
  level: 'tenant' | 'team';
  id: string;
  budget: string;
  window: string;
  ratio: number;
}

export interface BudgetSeriesOptions {
  tenantLabels: boolean;
  teamLabels: boolean;
  /** A team's tenant, for the `tenant` label of team budgets; null when unknown. */
  tenantOfTeam(teamId: string): string | null;
}

/** Label values in the gauge's order: scope, tenant, team, budget, window. */
export function budgetSeries(
  readings: readonly BudgetReading[],
  options: BudgetSeriesOptions,
): Array<{ labels: string[]; value: number }> {
  const series = new Map<string, { labels: string[]; value: number }>();
  for (const reading of readings) {
    const tenant = reading.level === 'tenant' ? reading.id : options.tenantOfTeam(reading.id);
    const labels = [
      reading.level,
      options.tenantLabels ? (tenant ?? '') : '',
      options.teamLabels && reading.level === 'team' ? reading.id : '',
      reading.budget,
      reading.window,
    ];
    const key = labels.join('\0');
    const known = series.get(key);
    if (known === undefined) series.set(key, { labels, value: reading.ratio });
    else known.value = Math.max(known.value, reading.ratio);
  }
  return [...series.values()];
}

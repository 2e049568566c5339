/**
 * For contract tests about counting rather than rebuilding: a `SharedState` whose `admit` rebuilds each stale budget
 * counter from an empty ledger (zero spend) and asks again, as the gateway's admission does from the real ledger.
 */
import { BudgetCountersStaleError, type SharedState } from '../../../src/state/index.ts';

export function withEmptyLedger(state: SharedState): SharedState {
  return {
    ...state,
    async admit(request) {
      try {
        return await state.admit(request);
      } catch (error) {
        if (!(error instanceof BudgetCountersStaleError)) throw error;
        for (const check of error.stale) await state.rebuildBudget(check, { tokens: 0, costUsd: 0 });
        return state.admit(request);
      }
    },
  };
}

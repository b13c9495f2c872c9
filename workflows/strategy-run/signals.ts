/**
 * The run's control messages: halt / resume / reconcile signals (buffered until the run is initialized,
 * then validated: a bad payload is recorded and changes nothing), and the updateRisk update.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { formatZodIssues } from '../../domain/errors';
import { applyRiskPatch, type RiskConfig, type RiskConfigPatch } from '../../domain/risk/config';
import { HaltSignal, ReconcileSignal, ResumeSignal } from '../../domain/run/input';
import { audit } from '../../domain/run/transitions';
import { applyHalt } from './account';
import type { PendingSignal, RunContext } from './context';
import { setTradingState } from './details';
import { requestReconciliation } from './reconciliation';

export function queueSignal(run: RunContext, s: PendingSignal): void {
  run.pendingSignals.push(s);
  applySignals(run);
}

export function applySignals(run: RunContext): void {
  const state = run.state;
  if (!state) return; // buffered until the run is initialized
  for (const s of run.pendingSignals.splice(0)) {
    const r = (s.kind === 'halt' ? HaltSignal : s.kind === 'resume' ? ResumeSignal : ReconcileSignal).safeParse(s.raw);
    if (!r.success) {
      const message = `${s.kind} signal rejected: ${formatZodIssues(r.error)}`;
      audit(state, 'SIGNAL_REJECTED', message, { code: 'INVALID_SIGNAL' });
      continue;
    }
    if (s.kind === 'halt') applyHalt(run, r.data as HaltSignal);
    else if (s.kind === 'reconcile') requestReconciliation(run, (r.data as ReconcileSignal).reason);
    else {
      const resume = r.data as ResumeSignal;
      setTradingState(run, 'ACTIVE', resume.reason, 'signal');
      // Resuming after the venue disagreed: compare again before the next trade (and adopt if told to).
      const last = state.reconciliation?.last;
      if (last && !last.ok) requestReconciliation(run, 'resume', resume.adoptVenueBalances);
    }
  }
}

/** Bad values are refused before they reach the run: the current limits stay, and the error names the field. */
export function validateRiskPatch(run: RunContext, patch: RiskConfigPatch): void {
  if (!run.state) throw new Error('the run is still starting: send the change again in a moment');
  const r = applyRiskPatch(run.risk(), patch);
  if (!r.ok) throw new Error(`invalid risk limits: ${r.error}`);
}

export function updateRisk(run: RunContext, patch: RiskConfigPatch): RiskConfig {
  const st = run.st;
  const r = applyRiskPatch(run.risk(), patch);
  if (!r.ok) throw ApplicationFailure.nonRetryable(r.error, 'VALIDATION'); // the validator ran the same check
  st.riskConfig = r.config;
  const numbers = Object.fromEntries(
    r.changed.map((k) => [k, JSON.stringify((r.config as Record<string, unknown>)[k] ?? null)]),
  );
  const changed = r.changed.join(', ') || 'nothing';
  const message = `risk limits changed at run time: ${changed}`;
  audit(st, 'RISK_CONFIG_UPDATED', message, { code: 'RISK_CONFIG_UPDATED', numbers });
  if (r.config.killSwitch && st.tradingState !== 'HALTED') {
    setTradingState(run, 'HALTED', 'kill switch engaged at run time', 'signal');
  } else if (r.config.reduceOnlyMode && st.tradingState === 'ACTIVE') {
    setTradingState(run, 'REDUCING', 'reduce-only mode at run time', 'signal');
  }
  return r.config;
}

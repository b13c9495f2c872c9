/**
 * The run's account in a backtest: the supervisor's books (domain/risk/account) held in process, with the
 * account's default limits, as a fresh paper account's supervisor holds them. Approvals, reports and
 * breaches are the same functions the supervisor workflow calls; time is the run's market time.
 */
import * as books from '../domain/risk/account';
import { dueReport, reportDelivered } from '../domain/run/account-link';
import type { RunState } from '../domain/run/state';

export class BacktestAccount {
  private readonly st: books.AccountState;

  constructor(
    readonly accountId: string,
    private readonly workflowId: string,
    private readonly strategy: string,
    at: number,
    limits: books.AccountLimitsInput = {},
  ) {
    this.st = books.openAccount(accountId, books.AccountLimits.parse(limits), at);
  }

  register(equity: string, at: number): books.AccountDirective {
    books.registerRun(this.st, this.workflowId, this.strategy, equity, at);
    return books.directive(this.st);
  }

  approve(req: Omit<books.ApprovalRequest, 'workflowId' | 'strategy'>, at: number): books.AccountVerdict {
    return books.approve(this.st, { ...req, workflowId: this.workflowId, strategy: this.strategy }, at);
  }

  /**
   * The run's report after a tick, as reportToAccount sends it and the supervisor applies it (here at once:
   * a report in flight never overlaps the next approval). Returns the breach it caused, if any.
   */
  report(
    run: RunState,
    stepped: boolean,
    ended: boolean,
  ): { breach: books.Breach; policy: books.HaltPolicy } | undefined {
    if (!run.account) return undefined;
    const due = dueReport({
      link: run.account,
      risk: run.risk,
      portfolio: run.portfolio,
      workflowId: this.workflowId,
      strategy: this.strategy,
      ended,
      stepped,
    });
    if (!due) return undefined;
    books.applyReport(this.st, books.RunReport.parse(due.report), run.marketTime);
    reportDelivered(run.account, due);
    const breach = books.detectBreach(this.st);
    if (!breach) return undefined;
    const policy = this.st.limits.haltPolicy;
    const at = run.marketTime;
    const changed = books.changeAccountState(this.st, breach.target, breach.message, 'breach', at, policy, breach.code);
    return changed ? { breach, policy } : undefined;
  }
}

/**
 * The strategyPromotion workflow's messages, one workflow per strategy NAME@VERSION. Pure definitions: safe to
 * import from workflow, activity and client code.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  Approval,
  ApproveRequest,
  GateEvidence,
  PromotionStatus,
  RecordEvidenceRequest,
} from '../domain/strategy-lifecycle/promotion';

export const STRATEGY_PROMOTION_WORKFLOW_TYPE = 'strategyPromotion';

export interface PromotionInput {
  name: string;
  version: string;
}

/** One promotion record per strategy name and version: its workflow id. */
export function promotionWorkflowId(name: string, version: string): string {
  return `strategy-promotion:${name}@${version}`;
}

/** Judge a finished run for a gate (read from Temporal by an activity); refused with the numbers that fell short. */
export const recordEvidenceUpdate = defineUpdate<GateEvidence & { hash: string }, [RecordEvidenceRequest]>(
  'recordEvidence',
);
/** A person's approval of a hash whose backtest and paper gates passed; the validator names what is missing. */
export const approveUpdate = defineUpdate<Approval & { hash: string }, [ApproveRequest]>('approve');
export const promotionStatusQuery = defineQuery<PromotionStatus>('status');

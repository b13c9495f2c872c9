/**
 * strategyPromotion: one per strategy NAME@VERSION, long-running (continue-as-new), the record of its promotion
 * gates. Evidence is a finished run named by the caller and read from Temporal by an activity, so nothing the
 * caller says about the run is trusted; the module hash binds every gate to the exact code (docs/decisions/0015).
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { z } from 'zod';
import { formatZodIssues } from '../../domain/errors';
import {
  approveUpdate,
  promotionStatusQuery,
  recordEvidenceUpdate,
  type PromotionInput,
} from '../promotion-definitions';
import { PromotionState, type PromotionCarry } from './state';

const { 'promotion.verifyRun': verifyRun } = proxyActivities<Activities>({
  startToCloseTimeout: '60s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 5 },
});

const Input = z.object({ name: z.string().min(1).max(200), version: z.string().min(1).max(100) }).strict();

export async function strategyPromotion(raw: PromotionInput, carried?: PromotionCarry): Promise<void> {
  const parsed = Input.safeParse(raw);
  if (!parsed.success)
    throw ApplicationFailure.nonRetryable(`invalid promotion input: ${formatZodIssues(parsed.error)}`, 'VALIDATION');
  const state = new PromotionState(parsed.data, carried);
  const now = () => Date.now();

  setHandler(promotionStatusQuery, () => state.status());
  setHandler(recordEvidenceUpdate, (req) => state.record(req, (workflowId) => verifyRun({ workflowId }), now), {
    validator: (req) => state.validateRecord(req),
  });
  setHandler(approveUpdate, (req) => state.approve(req, now), { validator: (req) => state.validateApprove(req) });

  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof strategyPromotion>(parsed.data, state.carry());
}

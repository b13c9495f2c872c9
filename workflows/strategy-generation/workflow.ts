/**
 * strategyGeneration: ask an LLM for a strategy file, validate it, send errors back for a repair, and write only
 * a valid file into the untrusted folder. Each call is an activity, so a crash resumes where the history says and
 * the history shows every answer and why it was refused. The model's code never runs here: validation does.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { formatZodIssues } from '../../domain/errors';
import {
  GenerateInput,
  type GenerateInputRaw,
  type GenerationResult,
} from '../../domain/strategy-lifecycle/generation';
import { generationProgressQuery } from '../generation-definitions';
import { Generation } from './state';

export async function strategyGeneration(raw: GenerateInputRaw): Promise<GenerationResult> {
  const parsed = GenerateInput.safeParse(raw);
  if (!parsed.success)
    throw ApplicationFailure.nonRetryable(`invalid generation input: ${formatZodIssues(parsed.error)}`, 'VALIDATION');
  const g = new Generation(parsed.data);
  setHandler(generationProgressQuery, () => g.progress);
  return g.run();
}

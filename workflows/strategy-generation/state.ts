/**
 * One generation's conversation and attempts. Each answer is validated before anything is written; an invalid
 * one goes back to the model with its error, at most `maxRepairs` times.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { GenerationActivities } from '../../activities/generation';
import {
  answerText,
  provenanceHeader,
  repairPrompt,
  type ChatMessage,
  type GenerateInput,
  type GenerationProgress,
  type GenerationResult,
} from '../../domain/strategy-lifecycle/generation';

/** The model call: a slow or failing endpoint is retried with backoff; a bad request or key is not (retry table). */
const llm = proxyActivities<GenerationActivities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
});
const files = proxyActivities<GenerationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

export class Generation {
  readonly progress: GenerationProgress = { phase: 'ASKING', attempts: [] };
  private readonly messages: ChatMessage[];

  constructor(readonly input: GenerateInput) {
    this.messages = [{ role: 'user', content: input.prompt }];
  }

  async run(): Promise<GenerationResult> {
    const { input, progress } = this;
    for (let attempt = 1; attempt <= input.maxRepairs + 1; attempt++) {
      progress.phase = 'ASKING';
      const answer = await llm['llm.complete']({ llm: input.llm, kind: input.kind, messages: this.messages });
      progress.phase = 'VALIDATING';
      const text = answerText(answer.content);
      const checked = await files['generated.validate']({ kind: input.kind, text });
      const base = {
        attempt,
        model: answer.model,
        responseSha256: answer.responseSha256,
        ...(answer.finishReason ? { finishReason: answer.finishReason } : {}),
      };
      if (!checked.ok) {
        progress.attempts.push({ ...base, error: checked.error });
        this.messages.push(
          { role: 'assistant', content: answer.content },
          { role: 'user', content: repairPrompt(checked.error) },
        );
        continue;
      }
      progress.attempts.push(base);
      progress.phase = 'WRITING';
      const header = provenanceHeader(input.kind, {
        prompt: input.prompt,
        model: answer.model,
        baseUrl: input.llm.baseUrl,
        at: answer.at,
        responseSha256: answer.responseSha256,
        attempts: attempt,
      });
      const written = await files['generated.write']({ dir: input.outDir, kind: input.kind, text, header });
      progress.result = { ...written, attempts: progress.attempts };
      progress.phase = 'DONE';
      return progress.result;
    }
    progress.phase = 'FAILED';
    const errors = progress.attempts.map((a) => `attempt ${a.attempt}: ${a.error}`).join('; ');
    throw ApplicationFailure.nonRetryable(
      `no valid ${input.kind} after ${progress.attempts.length} answer(s); nothing was written. ${errors}`,
      'GENERATION_FAILED',
      { attempts: progress.attempts },
    );
  }
}

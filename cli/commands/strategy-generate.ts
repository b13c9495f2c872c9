/**
 * `tempotrade strategy generate`: a strategy written by an LLM, as a Temporal workflow (strategyGeneration) served
 * by a worker inside this command, which holds the API key in memory (never in the workflow's input). The
 * workflow id follows from the request, so running the same command again after a crash resumes that generation.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { ActivityFailure, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { TempotradeError } from '../../domain/errors';
import {
  GENERATION_KINDS,
  GenerateInput,
  type GenerationKind,
  type GenerationResult,
} from '../../domain/strategy-lifecycle/generation';
import { createGenerationActivities, type GeneratedValidator } from '../../activities/generation';
import { connectWorker } from '../../temporal/connection';
import { workflowBundle } from '../../workers/worker';
import { withTemporalClient } from '../with-client';
import { parseFlags, wholeNumberFlag } from '../flags';

export const LLM_ENV = {
  baseUrl: ['TEMPOTRADE_LLM_BASE_URL', 'OPENAI_BASE_URL'],
  model: ['TEMPOTRADE_LLM_MODEL', 'OPENAI_MODEL'],
  apiKey: ['TEMPOTRADE_LLM_API_KEY', 'OPENAI_API_KEY'],
} as const;

export interface GenerationWiring {
  reference(kind: GenerationKind): string;
  validate: GeneratedValidator;
  /** Where generated files go when --out is not given. */
  defaultOutDir(env: Record<string, string | undefined>): string;
}

const GenerateFlags = z
  .object({
    prompt: z.string(),
    kind: z.enum(GENERATION_KINDS, { error: 'must be spec or code' }).default('spec'),
    out: z.string().min(1).optional(),
    baseUrl: z.string().optional(),
    model: z.string().optional(),
    apiKey: z.string().optional(),
    maxRepairs: wholeNumberFlag(0, 10).default(3),
    temperature: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'must be a number from 0 to 2')
      .transform(Number)
      .pipe(z.number().max(2, 'must be a number from 0 to 2'))
      .optional(),
    json: z.boolean().default(false),
  })
  .strict();

function fromEnv(names: readonly string[], env: Record<string, string | undefined>): string | undefined {
  for (const n of names) if (env[n]?.trim()) return env[n]!.trim();
  return undefined;
}

/**
 * The same request gets the same workflow id, and a task queue of that name: a second `generate` after a crash
 * attaches to the first, and two different requests never run on each other's worker (or key).
 */
function generationId(input: GenerateInput): string {
  const key = JSON.stringify([input.prompt, input.kind, input.llm, input.outDir, input.maxRepairs]);
  return `strategy-generate-${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
}

/** The words under Temporal's wrappers ("Activity task failed" ← the activity's own error), with the activity named. */
function failureText(e: Error): string {
  let cause: Error | undefined = e;
  let activity: string | undefined;
  while (cause.cause instanceof Error) {
    if (cause instanceof ActivityFailure) activity = cause.activityType;
    cause = cause.cause;
  }
  return activity ? `${activity}: ${cause.message}` : cause.message;
}

export function generateCommand(wiring: GenerationWiring): Command {
  return new Command('generate')
    .description(
      'ask an LLM (any OpenAI-compatible endpoint) for a strategy, validate it, let the model repair it, and write it to the untrusted folder',
    )
    .requiredOption('--prompt <text>', 'what the strategy should do')
    .addOption(
      new Option('--kind <kind>', 'a declarative spec (safe by construction) or sandboxed JavaScript').default('spec'),
    )
    .option('--out <DIR>', 'the untrusted strategies folder (default: the first of TEMPOTRADE_UNTRUSTED_STRATEGIES)')
    .option('--base-url <url>', `chat-completions API root (env ${LLM_ENV.baseUrl.join(' or ')})`)
    .option('--model <name>', `model (env ${LLM_ENV.model.join(' or ')})`)
    .option('--api-key <key>', `API key (prefer env ${LLM_ENV.apiKey.join(' or ')}: a flag shows in ps)`)
    .option('--max-repairs <n>', 'answers sent back with their validation error', '3')
    .option('--temperature <t>', 'sampling temperature, 0 to 2')
    .option('--json', 'print JSON', false)
    .action(async (opts) => {
      const f = parseFlags(GenerateFlags, opts);
      const env = process.env;
      const baseUrl = f.baseUrl ?? fromEnv(LLM_ENV.baseUrl, env) ?? 'https://api.openai.com/v1';
      const model = f.model ?? fromEnv(LLM_ENV.model, env);
      if (!model)
        throw new TempotradeError('VALIDATION', `--model: name the model (or set ${LLM_ENV.model.join(' or ')})`);
      const apiKey = f.apiKey ?? fromEnv(LLM_ENV.apiKey, env);
      const parsed = GenerateInput.safeParse({
        prompt: f.prompt,
        kind: f.kind,
        llm: { baseUrl, model, ...(f.temperature !== undefined ? { temperature: f.temperature } : {}) },
        outDir: path.resolve(f.out ?? wiring.defaultOutDir(env)),
        maxRepairs: f.maxRepairs,
      });
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        const flag =
          i.path[0] === 'llm' ? `--${String(i.path[1]).replace('baseUrl', 'base-url')}` : `--${String(i.path[0])}`;
        throw new TempotradeError('VALIDATION', `${flag}: ${i.message}`);
      }
      const input = parsed.data;
      const workflowId = generationId(input);
      // The worker here is an implementation detail: only its errors belong on the user's terminal (a refused generation is reported once, below).
      const quiet = new DefaultLogger('ERROR');
      Runtime.install({ logger: quiet });
      const result = await withTemporalClient(async (client, namespace, cfg) => {
        const connection = await connectWorker(cfg);
        try {
          const worker = await Worker.create({
            connection,
            namespace,
            taskQueue: workflowId,
            workflowBundle: await workflowBundle(quiet),
            activities: createGenerationActivities({
              ...(apiKey ? { apiKey } : {}),
              reference: wiring.reference,
              validate: wiring.validate,
            }),
          });
          const handle = await client.workflow.start('strategyGeneration', {
            workflowId,
            taskQueue: workflowId,
            args: [input],
            workflowIdConflictPolicy: 'USE_EXISTING',
          });
          console.error(`generating ${input.kind} with ${model} at ${baseUrl} (workflow ${workflowId})`);
          return await worker.runUntil(handle.result() as Promise<GenerationResult>);
        } catch (e) {
          if (e instanceof WorkflowFailedError)
            throw new TempotradeError('STRATEGY_FAILED', `strategy generate: ${failureText(e)}`, { workflowId });
          throw e;
        } finally {
          await connection.close();
        }
      });
      if (f.json) {
        console.log(JSON.stringify({ workflowId, ...result }, null, 2));
        return;
      }
      for (const a of result.attempts)
        console.log(`attempt ${a.attempt}: ${a.error ? `refused: ${a.error}` : 'valid'} (${a.model})`);
      console.log(`written ${result.file}: ${result.name}@${result.version}, sha256 ${result.hash.slice(0, 12)}`);
      console.log('untrusted: it runs sandboxed, and live only after its promotion gates pass');
    });
}

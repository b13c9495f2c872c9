/**
 * The strategy-generation workflow's I/O: one chat completion from an OpenAI-compatible endpoint (the official
 * `openai` client, its own retries off: Temporal retries the activity), validation of an answer as an untrusted
 * strategy file, and the atomic write into the untrusted folder. The API key stays in the worker's memory: it is
 * never in the workflow's input or history.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Context } from '@temporalio/activity';
import OpenAI from 'openai';
import { z } from 'zod';
import { TempotradeError, type ErrorCode } from '../domain/errors';
import {
  generatedFileName,
  systemPrompt,
  type ChatMessage,
  type GenerationKind,
  type LlmEndpoint,
} from '../domain/strategy-lifecycle/generation';
import { guarded } from './failures';

/** What a generated file is checked with: throws a named error (StrategyLoadError) or returns what it defines. */
export type GeneratedValidator = (file: string, kind: GenerationKind) => Promise<{ name: string; version: string }>;

export interface GenerationDeps {
  /** Bearer key of the endpoint (absent: none sent, as Ollama or vLLM accept). */
  apiKey?: string;
  /** The JSON Schema (spec) or the sandbox's API (code) the model is given. */
  reference(kind: GenerationKind): string;
  validate: GeneratedValidator;
  /** Per request; the activity's start-to-close timeout bounds the whole call too. */
  requestTimeoutMs?: number;
}

export interface CompletionRequest {
  llm: LlmEndpoint;
  kind: GenerationKind;
  /** The conversation after the system prompt: the user's prompt, then answers and repair requests. */
  messages: ChatMessage[];
}

export interface Completion {
  content: string;
  model: string;
  responseSha256: string;
  finishReason?: string;
  /** When the answer arrived (ISO). */
  at: string;
}

export type Validation = { ok: true; name: string; version: string } | { ok: false; error: string };

const ChatCompletion = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable().optional() }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
});

/** The retry table's code for what the endpoint answered (never the key or the prompt in the message). */
function llmError(e: unknown, baseUrl: string): TempotradeError {
  if (e instanceof TempotradeError) return e;
  if (e instanceof OpenAI.APIConnectionTimeoutError)
    return new TempotradeError('REQUEST_TIMEOUT', `LLM endpoint ${baseUrl}: no answer in time`);
  if (e instanceof OpenAI.APIConnectionError)
    return new TempotradeError('NETWORK', `LLM endpoint ${baseUrl}: cannot connect (${e.message})`);
  if (e instanceof OpenAI.APIError && typeof e.status === 'number') {
    const byStatus: Record<number, ErrorCode> = {
      400: 'VALIDATION',
      401: 'AUTHENTICATION',
      403: 'PERMISSION_DENIED',
      404: 'CONFIG',
      422: 'VALIDATION',
      429: 'RATE_LIMITED',
    };
    const code = byStatus[e.status] ?? (e.status >= 500 ? 'EXCHANGE_UNAVAILABLE' : 'VALIDATION');
    const after = Number(e.headers?.get('retry-after'));
    return new TempotradeError(
      code,
      `LLM endpoint ${baseUrl} answered ${e.status}: ${e.message}`,
      { status: e.status },
      Number.isFinite(after) && after > 0 ? after * 1000 : undefined,
    );
  }
  return new TempotradeError('UNKNOWN', `LLM endpoint ${baseUrl}: ${(e as Error).message}`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Validate `text` as a generated file of `kind`, in a private temporary folder (never the strategy folder). */
async function validateText(
  deps: GenerationDeps,
  kind: GenerationKind,
  text: string,
  name = 'generated',
): Promise<Validation> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tempotrade-generated-'));
  try {
    const file = path.join(dir, generatedFileName(kind, name));
    fs.writeFileSync(file, text);
    const def = await deps.validate(file, kind);
    return { ok: true, name: def.name, version: def.version };
  } catch (e) {
    // The temporary path means nothing to the model or the user: name the document instead.
    return { ok: false, error: (e as Error).message.split(dir + path.sep).join('') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function createGenerationActivities(deps: GenerationDeps) {
  return {
    async 'llm.complete'(req: CompletionRequest): Promise<Completion> {
      return guarded('llm.complete', async () => {
        const client = new OpenAI({
          apiKey: deps.apiKey || 'none',
          baseURL: req.llm.baseUrl,
          maxRetries: 0,
          timeout: deps.requestTimeoutMs ?? 120_000,
        });
        // A worker that dies mid-call stops heartbeating: the call is retried elsewhere within the heartbeat timeout.
        const ctx = Context.current();
        const beat = setInterval(() => ctx.heartbeat(), 1_000);
        let raw: unknown;
        try {
          raw = await client.chat.completions.create(
            {
              model: req.llm.model,
              messages: [
                { role: 'system', content: systemPrompt(req.kind, deps.reference(req.kind)) },
                ...req.messages,
              ],
              ...(req.llm.temperature !== undefined ? { temperature: req.llm.temperature } : {}),
            },
            { signal: ctx.cancellationSignal },
          );
        } catch (e) {
          throw llmError(e, req.llm.baseUrl);
        } finally {
          clearInterval(beat);
        }
        const parsed = ChatCompletion.safeParse(raw);
        if (!parsed.success)
          // Usually a base URL that is a web page, not the API root: retrying cannot help.
          throw new TempotradeError(
            'CONFIG',
            `LLM endpoint ${req.llm.baseUrl}: the answer is not a chat completion (is it the API root, e.g. …/v1?): ${String(JSON.stringify(raw)).slice(0, 160)}`,
          );
        const choice = parsed.data.choices[0];
        const content = choice.message.content ?? '';
        return {
          content,
          model: parsed.data.model ?? req.llm.model,
          responseSha256: sha256(content),
          ...(choice.finish_reason ? { finishReason: choice.finish_reason } : {}),
          at: new Date().toISOString(),
        };
      });
    },

    async 'generated.validate'(req: { kind: GenerationKind; text: string }): Promise<Validation> {
      return validateText(deps, req.kind, req.text);
    },

    /**
     * Write header + text as `<name>` of its kind into `dir`, through a dotfile and a rename (a strategy folder
     * never shows half a file, and a dotfile is never loaded). The file is validated again as written. A retry
     * finding its own file is done; a different file of that name is refused.
     */
    async 'generated.write'(req: {
      dir: string;
      kind: GenerationKind;
      text: string;
      header: string;
    }): Promise<{ file: string; name: string; version: string; hash: string }> {
      return guarded('generated.write', async () => {
        const body = req.header + req.text;
        const checked = await validateText(deps, req.kind, body);
        if (!checked.ok) throw new TempotradeError('VALIDATION', `the file as written is not valid: ${checked.error}`);
        fs.mkdirSync(req.dir, { recursive: true });
        const file = path.join(req.dir, generatedFileName(req.kind, checked.name));
        const hash = sha256(body);
        const done = { file, name: checked.name, version: checked.version, hash };
        if (fs.existsSync(file)) {
          if (sha256(fs.readFileSync(file, 'utf8')) === hash) return done;
          throw new TempotradeError(
            'CONFIG',
            `${file}: a different strategy file of that name exists; move it away or ask for another name`,
            { file },
          );
        }
        const tmp = path.join(req.dir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
        fs.writeFileSync(tmp, body, { flag: 'wx' });
        try {
          fs.linkSync(tmp, file); // fails if the name was taken meanwhile: never overwrites
        } finally {
          fs.rmSync(tmp, { force: true });
        }
        return done;
      });
    },
  };
}

export type GenerationActivities = ReturnType<typeof createGenerationActivities>;

/**
 * A local stand-in for an LLM: an OpenAI-compatible chat-completions server (POST /v1/chat/completions) that
 * answers with recorded completions. No model runs on these machines; the real `openai` client talks HTTP to
 * this server as it would to OpenAI, Ollama or vLLM. A recording is chosen by a phrase of the conversation's
 * first user message, and its answer by the number of assistant turns so far (turn 0: the first answer, turn 1:
 * the answer to the first repair request, …; past the end, the last answer again).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

const Answer = z.union([
  z.string(),
  /** A completion sent after holdMs the first time it is asked (a slow model: time to kill a client mid-call). */
  z.object({ content: z.string(), holdMs: z.number().int().min(0).max(600_000) }).strict(),
  z
    .object({
      /** The body as sent, not a chat completion (e.g. an HTML error page). */
      raw: z.string(),
      status: z.number().int().min(100).max(599).default(200),
      contentType: z.string().default('text/html'),
    })
    .strict(),
  z.object({ status: z.number().int().min(400).max(599), message: z.string() }).strict(),
]);
export type RecordedAnswer = z.infer<typeof Answer>;

export const Recording = z
  .object({
    /** What this recording answers: a phrase of the first user message. */
    match: z.string().min(1),
    answers: z.array(Answer).min(1),
    /** The first requests of this recording get these HTTP errors, in order (a flaky endpoint the client retries). */
    failures: z
      .array(z.object({ status: z.number().int().min(400).max(599), message: z.string() }).strict())
      .default([]),
  })
  .strict();
export type Recording = z.input<typeof Recording>;
export const Recordings = z.array(Recording);

const ChatRequest = z.object({
  model: z.string().min(1),
  messages: z
    .array(z.object({ role: z.enum(['system', 'user', 'assistant', 'developer', 'tool']), content: z.string() }))
    .min(1),
  temperature: z.number().min(0).max(2).optional(),
});

export interface ReplayRequest {
  match: string;
  turn: number;
  model: string;
  messages: { role: string; content: string }[];
}

export interface LlmReplayServer {
  /** The API root to give a client: http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  /** Every chat request answered from a recording, in order. */
  requests: ReplayRequest[];
  close(): Promise<void>;
}

/** Read recordings from a JSON file, naming the file and the field when one is malformed. */
export function readRecordings(file: string): z.output<typeof Recordings> {
  const parsed = Recordings.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${file}: ${i.path.join('.')}: ${i.message}`);
  }
  return parsed.data;
}

function send(res: http.ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** OpenAI's error shape, so the client raises the class it would raise for OpenAI. */
function apiError(res: http.ServerResponse, status: number, message: string, type = 'invalid_request_error'): void {
  send(res, status, { error: { message, type, param: null, code: null } });
}

export async function startLlmReplayServer(opts: {
  recordings: Recording[];
  /** When set, requests without `Authorization: Bearer <apiKey>` get 401. */
  apiKey?: string;
  port?: number;
}): Promise<LlmReplayServer> {
  const recordings = Recordings.parse(opts.recordings);
  const requests: ReplayRequest[] = [];
  const failed = new Map<string, number>();
  const held = new Set<string>();
  let seq = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !/^\/(v1\/)?chat\/completions$/.test(req.url ?? '')) {
        apiError(res, 404, `unknown endpoint ${req.method} ${req.url}`);
        return;
      }
      if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
        apiError(res, 401, 'Incorrect API key provided.', 'invalid_api_key');
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        apiError(res, 400, 'We could not parse the JSON body of your request.');
        return;
      }
      const parsed = ChatRequest.safeParse(body);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        apiError(res, 400, `${i.path.join('.')}: ${i.message}`);
        return;
      }
      const { model, messages } = parsed.data;
      const first = messages.find((m) => m.role === 'user')?.content ?? '';
      const rec = recordings.find((r) => first.includes(r.match));
      if (!rec) {
        apiError(res, 404, `no recording answers this prompt: ${first.slice(0, 80)}`);
        return;
      }
      const turn = messages.filter((m) => m.role === 'assistant').length;
      requests.push({ match: rec.match, turn, model, messages });
      const n = failed.get(rec.match) ?? 0;
      if (n < rec.failures.length) {
        failed.set(rec.match, n + 1);
        apiError(res, rec.failures[n].status, rec.failures[n].message, 'server_error');
        return;
      }
      const answer = rec.answers[Math.min(turn, rec.answers.length - 1)];
      if (typeof answer !== 'string' && 'raw' in answer) {
        send(res, answer.status, answer.raw, answer.contentType);
        return;
      }
      if (typeof answer !== 'string' && 'status' in answer) {
        apiError(res, answer.status, answer.message, answer.status >= 500 ? 'server_error' : 'invalid_request_error');
        return;
      }
      const content = typeof answer === 'string' ? answer : answer.content;
      const key = `${rec.match}#${turn}`;
      const holdMs = typeof answer === 'string' || held.has(key) ? 0 : answer.holdMs;
      held.add(key);
      seq += 1;
      const id = `chatcmpl-replay-${seq}`;
      setTimeout(() => complete(res, id, model, content), holdMs);
    });
  });
  function complete(res: http.ServerResponse, id: string, model: string, content: string): void {
    if (res.destroyed) return;
    send(res, 200, {
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
  }
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

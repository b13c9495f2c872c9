/**
 * Strategy generation's parts without a workflow: how an answer is read, the provenance header no prompt can
 * break out of, and the LLM activity through the real `openai` client against the recorded-completion server
 * (errors mapped to the retry table, the key never in a message).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { answerText, provenanceHeader, systemPrompt } from '../../domain/strategy-lifecycle/generation';
import { createGenerationActivities, type Completion, type CompletionRequest } from '../../activities/generation';
import { startLlmReplayServer, type LlmReplayServer } from '../../simulators/llm-replay/server';

let server: LlmReplayServer;
beforeAll(async () => {
  server = await startLlmReplayServer({
    apiKey: 'sk-test-secret',
    recordings: [
      { match: 'plain answer', answers: ['```yaml\nname: a\n```\nHope this helps!'] },
      { match: 'flaky', answers: ['ok'], failures: [{ status: 503, message: 'overloaded' }] },
      { match: 'html page', answers: [{ raw: '<html>502 Bad Gateway</html>', status: 200 }] },
      { match: 'forbidden prompt', answers: [{ status: 400, message: 'content policy' }] },
    ],
  });
});
afterAll(() => server.close());

const env = () => new MockActivityEnvironment();
const acts = (apiKey = 'sk-test-secret') =>
  createGenerationActivities({
    apiKey,
    reference: (k) => `REFERENCE-${k}`,
    validate: () => Promise.resolve({ name: 'x', version: '1.0.0' }),
  });
const ask = (prompt: string, apiKey?: string) =>
  complete(acts(apiKey), {
    llm: { baseUrl: server.baseUrl, model: 'gpt-test' },
    kind: 'spec',
    messages: [{ role: 'user', content: prompt }],
  });
const complete = (a: ReturnType<typeof acts>, req: CompletionRequest): Promise<Completion> =>
  env().run(a['llm.complete'], req) as Promise<Completion>;

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApplicationFailure);
    return e as ApplicationFailure;
  }
  throw new Error('expected the activity to fail');
}

describe('GIVEN an answer of the model', () => {
  it('WHEN it wraps the file in a fence with prose around THEN only the fenced file is kept', () => {
    expect(answerText('Here you go:\n```yaml\nname: a\nversion: 1.0.0\n```\nEnjoy')).toBe('name: a\nversion: 1.0.0\n');
    expect(answerText('name: a\n')).toBe('name: a\n');
  });

  it('WHEN the prompt holds newlines and comment terminators THEN every header line stays a comment', () => {
    const prompt = 'buy dips\n*/ process.exit(1) /*\n# still a comment\r\nend';
    for (const kind of ['spec', 'code'] as const) {
      const header = provenanceHeader(kind, {
        prompt,
        model: 'm',
        baseUrl: 'http://x/v1',
        at: '2026-12-04T00:00:00.000Z',
        responseSha256: 'ab',
        attempts: 2,
      });
      const mark = kind === 'spec' ? '#' : '//';
      const lines = header.trimEnd().split('\n');
      expect(lines.every((l) => l.startsWith(mark))).toBe(true);
      expect(header).toContain(`${mark}   */ process.exit(1) /*`);
      expect(header).toContain('response sha256: ab (attempt 2)');
    }
  });

  it('WHEN the system prompt is built THEN it carries the reference the model must follow', () => {
    expect(systemPrompt('spec', 'SCHEMA')).toContain('JSON Schema');
    expect(systemPrompt('code', 'API')).toMatch(/no imports[\s\S]*API$/);
  });
});

describe('GIVEN the LLM activity and an OpenAI-compatible endpoint', () => {
  it('WHEN the endpoint answers THEN the content, the model and the hash of the answer come back, with the system prompt sent first', async () => {
    const r = await ask('a plain answer please');
    expect(r.content).toContain('name: a');
    expect(r.model).toBe('gpt-test');
    expect(r.responseSha256).toMatch(/^[0-9a-f]{64}$/);
    const sent = server.requests.at(-1)!;
    expect(sent.messages[0]).toEqual({ role: 'system', content: expect.stringContaining('REFERENCE-spec') });
    expect(sent.messages[1]).toEqual({ role: 'user', content: 'a plain answer please' });
  });

  it.each([
    ['a 503', 'flaky', undefined, 'EXCHANGE_UNAVAILABLE', false],
    ['a wrong key', 'plain answer', 'sk-wrong', 'AUTHENTICATION', true],
    ['a 400', 'forbidden prompt', undefined, 'VALIDATION', true],
    ['a body that is no chat completion', 'html page', undefined, 'CONFIG', true],
  ])(
    'WHEN it answers %s (prompt "%s", key %s) THEN the failure is %s, nonRetryable %s as the table says, naming no key',
    async (_, prompt, key, type, nonRetryable) => {
      const f = await failureOf(ask(prompt, key));
      expect([f.type, f.nonRetryable]).toEqual([type, nonRetryable]);
      expect(f.message).toContain(server.baseUrl);
      expect(f.message).not.toContain('sk-');
    },
  );

  it('WHEN the endpoint cannot be reached THEN the failure is a retryable NETWORK naming it', async () => {
    const f = await failureOf(
      complete(acts(), {
        llm: { baseUrl: 'http://127.0.0.1:9/v1', model: 'm' },
        kind: 'code',
        messages: [{ role: 'user', content: 'x' }],
      }),
    );
    expect([f.type, f.nonRetryable]).toEqual(['NETWORK', false]);
    expect(f.message).toContain('http://127.0.0.1:9/v1');
  });
});

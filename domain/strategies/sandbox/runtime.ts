/**
 * One QuickJS (WebAssembly) sandbox per untrusted strategy module: its own WASM module, so a crash of one
 * cannot corrupt another's heap; a runtime with a memory and a stack limit, and a CPU deadline on every call.
 * Nothing of the host is installed in it: data goes in as JSON text and comes out as JSON text. A call that
 * ran over its deadline or its memory leaves the runtime suspect, so it is disposed and rebuilt (same source)
 * before the next call; otherwise the runtime is reused (speed).
 */
import { z } from 'zod';
import type { QuickJSSyncVariant } from '@jitl/quickjs-ffi-types';
import * as fs from 'node:fs';
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSWASMModule,
} from 'quickjs-emscripten';
import { TempotradeError } from '../../errors';
import { WordedFault } from '../sdk/run';
import { PRELUDE } from './prelude';

export const DEADLINE_ENV = 'TEMPOTRADE_SANDBOX_DEADLINE_MS';
export const MEMORY_ENV = 'TEMPOTRADE_SANDBOX_MEMORY_MB';
/** QuickJS's own stack check must trip before V8's: wasm frames use the host's stack too (64 KB measured safe). */
const MAX_STACK_BYTES = 64 * 1024;

/**
 * The release sync build, loaded with require: the package's own variant loads it with import(), which Jest's
 * CommonJS runtime cannot run.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const VARIANT: QuickJSSyncVariant = {
  type: 'sync',
  importFFI: async () => require('@jitl/quickjs-wasmfile-release-sync/ffi').QuickJSFFI,
  importModuleLoader: async () => require('@jitl/quickjs-wasmfile-release-sync/emscripten-module'),
};
/* eslint-enable @typescript-eslint/no-require-imports */
/** Node's WebAssembly global, typed here: the tsconfig's lib has no DOM, where its types live. */
const Wasm = (
  globalThis as unknown as {
    WebAssembly: {
      compile(bytes: Uint8Array): Promise<object>;
      Memory: new (d: { initial: number; maximum: number }) => object;
    };
  }
).WebAssembly;
let compiled: Promise<object> | undefined;
/** A new instance (own heap) of the WASM code, compiled once per process so instances share V8's compiled code. */
async function newWasmModule(limits: SandboxLimits): Promise<QuickJSWASMModule> {
  compiled ??= Wasm.compile(fs.readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')));
  // Sized up front: growing the heap in small steps near the limit took seconds (a copy per step), unchecked
  // by the deadline. Untouched pages cost no resident memory.
  const pages = Math.ceil(((limits.memoryMb + 16) * 1024 * 1024) / 65_536);
  const wasmMemory = new Wasm.Memory({ initial: pages, maximum: pages });
  return newQuickJSWASMModuleFromVariant(
    newVariant(VARIANT, { wasmModule: (await compiled) as never, wasmMemory: wasmMemory as never }),
  );
}
/** Loading runs the module's top level once, on a fresh instance: it gets more time than a call. */
const loadDeadlineMs = (limits: SandboxLimits): number => Math.max(1_000, 20 * limits.deadlineMs);

export interface SandboxLimits {
  deadlineMs: number;
  memoryMb: number;
}

const LimitsEnv = z.object({
  [DEADLINE_ENV]: z.coerce.number().int().min(1).max(60_000).default(50),
  [MEMORY_ENV]: z.coerce.number().int().min(4).max(1_024).default(32),
});

/** The limits from TEMPOTRADE_SANDBOX_DEADLINE_MS / _MEMORY_MB (defaults 50 ms, 32 MB); a bad value names it. */
export function sandboxLimitsFrom(env: Record<string, string | undefined> = process.env): SandboxLimits {
  const r = LimitsEnv.safeParse({
    [DEADLINE_ENV]: env[DEADLINE_ENV] || undefined,
    [MEMORY_ENV]: env[MEMORY_ENV] || undefined,
  });
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TempotradeError('CONFIG', `${String(i.path[0])}: ${i.message}`, { field: String(i.path[0]) });
  }
  return { deadlineMs: r.data[DEADLINE_ENV], memoryMb: r.data[MEMORY_ENV] };
}

/** A sandbox fault, already worded: `kind` is deadline, memory, error or invalid output. */
export class SandboxFault extends WordedFault {
  constructor(
    readonly kind: 'deadline' | 'memory' | 'error' | 'invalid output' | 'crashed',
    message: string,
  ) {
    super(message);
  }
}

const MAX_ERROR_CHARS = 500;

function clip(s: string): string {
  return s.length > MAX_ERROR_CHARS ? `${s.slice(0, MAX_ERROR_CHARS)}…` : s;
}

export class Sandbox {
  private rt: QuickJSRuntime | undefined;
  private vm: QuickJSContext | undefined;
  private wasm: QuickJSWASMModule | undefined;
  private replacing: Promise<void> | undefined;
  /** Bumped at each rebuild: what was uploaded into the old runtime is gone. */
  generation = 0;

  private constructor(
    readonly file: string,
    private readonly source: string,
    readonly limits: SandboxLimits,
    wasm: QuickJSWASMModule,
  ) {
    this.wasm = wasm;
  }

  /** Load `source` (an ES module whose default export is the strategy) into a new sandbox; throws SandboxFault. */
  static async create(file: string, source: string, limits: SandboxLimits = sandboxLimitsFrom()): Promise<Sandbox> {
    const s = new Sandbox(file, source, limits, await newWasmModule(limits));
    try {
      s.boot('loading the module');
    } catch (e) {
      s.dispose();
      throw e;
    }
    return s;
  }

  /** A fresh runtime with the limits, the strategy installed in it. */
  private boot(what: string): void {
    const wasm = this.wasm;
    if (!wasm) throw new SandboxFault('crashed', 'sandbox crashed: its WebAssembly module is being replaced');
    const rt = wasm.newRuntime();
    rt.setMemoryLimit(this.limits.memoryMb * 1024 * 1024);
    rt.setMaxStackSize(MAX_STACK_BYTES);
    const vm = rt.newContext();
    this.rt = rt;
    this.vm = vm;
    this.generation++;
    try {
      this.evaluate(vm, what);
    } catch (e) {
      // A module that failed half-way is not left installed: the next call boots it again.
      if (this.vm === vm) this.discard(false);
      throw e;
    }
  }

  /** The prelude, then the module, under the load deadline; the default export goes to the prelude. */
  private evaluate(vm: QuickJSContext, what: string): void {
    this.guarded(
      what,
      () => {
        this.unwrap(vm.evalCode(PRELUDE, 'tempotrade-prelude.js', { type: 'global' })).dispose();
        const ns = this.unwrap(vm.evalCode(this.source, this.file, { type: 'module' }));
        try {
          if (vm.typeof(ns) !== 'object') throw new SandboxFault('error', 'the module did not evaluate to its exports');
          const def = vm.getProp(ns, 'default');
          const api = vm.getProp(vm.global, '__tempotrade');
          const install = vm.getProp(api, 'install');
          try {
            this.unwrap(vm.callFunction(install, api, def)).dispose();
          } finally {
            install.dispose();
            api.dispose();
            def.dispose();
          }
        } finally {
          ns.dispose();
        }
      },
      loadDeadlineMs(this.limits),
    );
  }

  private unwrap(r: { error?: QuickJSHandle; value?: QuickJSHandle }): QuickJSHandle {
    if (r.error) {
      const e = r.error;
      let message: string;
      // Reading an out-of-memory error needs memory too: lift QuickJS's limit for the read only.
      this.rt?.setMemoryLimit(-1);
      try {
        const d = this.vm!.dump(e) as unknown;
        message =
          d && typeof d === 'object' && 'message' in d
            ? `${String((d as { name?: unknown }).name ?? 'Error')}: ${String((d as { message: unknown }).message)}`
            : String(d);
      } catch {
        message = '(its error could not be read)';
      } finally {
        e.dispose();
        this.rt?.setMemoryLimit(this.limits.memoryMb * 1024 * 1024);
      }
      throw new SandboxFault('error', clip(message));
    }
    return r.value!;
  }

  /**
   * Run `fn` against the VM with the deadline armed; a deadline or memory fault (or a crash of the WASM module)
   * throws SandboxFault with the numbers and leaves the runtime to be rebuilt.
   */
  private guarded<T>(what: string, fn: () => T, deadlineMs = this.limits.deadlineMs): T {
    const rt = this.rt!;
    const deadline = Date.now() + deadlineMs;
    let interrupted = false;
    rt.setInterruptHandler(() => {
      if (Date.now() <= deadline) return false;
      interrupted = true;
      return true;
    });
    try {
      return fn();
    } catch (e) {
      if (interrupted) {
        this.discard(false);
        throw new SandboxFault('deadline', `sandbox deadline: ${what} ran over ${deadlineMs} ms`);
      }
      if (e instanceof SandboxFault && /out of memory/.test(e.message)) {
        this.discard(false);
        throw new SandboxFault('memory', `sandbox memory: ${what} went over the ${this.limits.memoryMb} MB limit`);
      }
      if (e instanceof SandboxFault && e.kind === 'error')
        throw new SandboxFault('error', `${what} threw: ${e.message}`);
      if (e instanceof SandboxFault) throw e;
      // Not QuickJS's own error: the WASM module itself failed (say, the host stack): never reuse it.
      this.discard(true);
      throw new SandboxFault('crashed', `sandbox crashed: ${what}: ${clip((e as Error)?.message ?? String(e))}`);
    } finally {
      if (this.rt === rt) rt.removeInterruptHandler();
    }
  }

  /** Drop the runtime (rebuilt at the next call); a crashed WASM module is replaced in the background. */
  private discard(crashed: boolean): void {
    try {
      this.vm?.dispose();
      this.rt?.dispose();
    } catch {
      // An interrupted or out-of-memory runtime may not free cleanly: the module is replaced instead.
      crashed = true;
    }
    this.vm = undefined;
    this.rt = undefined;
    if (crashed) {
      this.wasm = undefined;
      this.replacing ??= newWasmModule(this.limits).then(
        (w) => {
          this.wasm = w;
          this.replacing = undefined;
        },
        () => {
          this.replacing = undefined;
        },
      );
    }
  }

  /** Resolves once a replaced WASM module is back (tests, and a worker that wants to wait). */
  async ready(): Promise<void> {
    await this.replacing;
  }

  /**
   * Call `__tempotrade[name](...args)` (string arguments) under the limits; returns its result as a host value
   * (strings and numbers only cross). `what` words the fault ("onBar", "lookback").
   */
  call(name: string, args: readonly string[], what: string): string | number | undefined {
    // Input that cannot fit is refused before it reaches the heap (a failed copy there breaks the instance).
    const bytes = args.reduce((n, a) => n + a.length, 0);
    if (bytes > (this.limits.memoryMb * 1024 * 1024) / 2) {
      throw new SandboxFault(
        'memory',
        `sandbox memory: ${what}: ${(bytes / 1_048_576).toFixed(1)} MB of input does not fit the ${this.limits.memoryMb} MB limit`,
      );
    }
    if (!this.vm) this.boot(`${what} (reloading the module)`);
    const vm = this.vm!;
    return this.guarded(what, () => {
      const api = vm.getProp(vm.global, '__tempotrade');
      const fn = vm.getProp(api, name);
      const handles = args.map((a) => vm.newString(a));
      try {
        const out = this.unwrap(vm.callFunction(fn, api, ...handles));
        try {
          const t = vm.typeof(out);
          if (t === 'string') return vm.getString(out);
          if (t === 'number') return vm.getNumber(out);
          if (t === 'undefined') return undefined;
          throw new SandboxFault('invalid output', `invalid output: ${what} gave a ${t}`);
        } finally {
          out.dispose();
        }
      } finally {
        for (const h of handles) h.dispose();
        fn.dispose();
        api.dispose();
      }
    });
  }

  dispose(): void {
    this.discard(false);
  }
}

/**
 * The JavaScript evaluated in every sandbox before the strategy module: the ctx a sandboxed onBar sees (order
 * helpers, indicators, barsOf with timeframes), a clockless Date, a seeded Math.random, and the entry points
 * the host calls (__tempotrade). The indicators mirror ../sdk/indicators.ts (trading-signals' arithmetic, step
 * for step, so the numbers agree to rounding). The strategy can tamper with anything here: the host validates
 * all that comes back.
 */
export const MAX_OUTPUT_BYTES = 1_048_576;
export const MAX_ORDERS = 1_000;

export const PRELUDE = String.raw`
(function () {
  'use strict';
  var G = globalThis;
  var stringify = JSON.stringify, parse = JSON.parse, isArray = Array.isArray, keys = Object.keys;
  var floor = Math.floor, mmax = Math.max, mmin = Math.min, abs = Math.abs, sqrt = Math.sqrt;
  var finite = isFinite;
  var MAX_BYTES = ${MAX_OUTPUT_BYTES}, MAX_ORDERS = ${MAX_ORDERS};

  // No clock: a strategy decides on ctx.time (its bar), so a replay decides the same.
  var RealDate = Date;
  function NoClock() { throw new Error('Date: the sandbox has no clock (use ctx.time, the bar time)'); }
  // Seven named parameters: Date.length is 7.
  function SandboxDate(a, b, c, d, e, f, g) {
    if (!new.target || arguments.length === 0) NoClock();
    return Reflect.construct(RealDate, Array.prototype.slice.call(arguments), new.target);
  }
  SandboxDate.prototype = RealDate.prototype;
  SandboxDate.UTC = RealDate.UTC;
  SandboxDate.parse = RealDate.parse;
  SandboxDate.now = NoClock;
  Object.defineProperty(RealDate.prototype, 'constructor', { value: SandboxDate });
  G.Date = SandboxDate;

  // Seeded per call by the host (strategy, symbol, bar time): the same bar draws the same numbers.
  var seed = 1;
  Math.random = function () {
    seed = (seed + 0x6d2b79f5) | 0;
    var t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  var noop = function () {};
  G.console = { log: noop, info: noop, warn: noop, error: noop, debug: noop };

  function avg(v) { var s = 0; for (var i = 0; i < v.length; i++) s += v[i]; return v.length ? s / v.length : 0; }
  function smaOf(v, n) { return v.length < n ? null : avg(v.slice(-n)); }
  function emaOf(v, n) {
    if (v.length < n) return null;
    var k = 2 / (n + 1), r;
    for (var i = 0; i < v.length; i++) r = v[i] * k + (r === undefined ? v[i] : r) * (1 - k);
    return r;
  }
  // trading-signals' WSMA: the SMA of the first n inputs, then Wilder's smoothing.
  function Wsma(n) { this.n = n; this.buf = []; this.r = undefined; }
  Wsma.prototype.add = function (x) {
    if (this.r !== undefined) { this.r = (x - this.r) * (1 / this.n) + this.r; return this.r; }
    this.buf.push(x);
    if (this.buf.length > this.n) this.buf.shift();
    if (this.buf.length === this.n) { this.r = avg(this.buf); return this.r; }
    return null;
  };
  function Sma(n) { this.n = n; this.buf = []; this.r = undefined; }
  Sma.prototype.add = function (x) {
    this.buf.push(x);
    if (this.buf.length > this.n) this.buf.shift();
    if (this.buf.length === this.n) { this.r = avg(this.buf); return this.r; }
    return null;
  };
  function rsiOf(v, n, smoothing) {
    if (v.length < n + 1) return null;
    var w = smoothing === 'simple' ? v.slice(-(n + 1)) : v;
    if (w.every(function (x) { return x === w[0]; })) return 50;
    var gain = smoothing === 'simple' ? new Sma(n) : new Wsma(n);
    var loss = smoothing === 'simple' ? new Sma(n) : new Wsma(n);
    var prev = [], r = null;
    for (var i = 0; i < w.length; i++) {
      prev.push(w[i]);
      if (prev.length > n) prev.shift();
      if (prev.length < 2) { r = null; continue; }
      var p = prev[prev.length - 2], c = w[i];
      if (c > p) { loss.add(0); gain.add(c - p); } else { loss.add(p - c); gain.add(0); }
      if (gain.r !== undefined) { r = loss.r === 0 ? 100 : 100 - 100 / (gain.r / loss.r + 1); } else r = null;
    }
    return r;
  }
  function atrOf(bars, n) {
    if (bars.length < n + 1) return null;
    var s = new Wsma(n), prevClose, r = null;
    for (var i = 0; i < bars.length; i++) {
      var b = bars[i], hl = b.high - b.low;
      var tr = prevClose === undefined ? hl : mmax(hl, abs(b.high - prevClose), abs(b.low - prevClose));
      prevClose = b.close;
      s.add(tr);
      r = s.r === undefined ? null : s.r;
    }
    return r;
  }
  function bollingerOf(v, n, dev) {
    if (v.length < n) return null;
    var d = dev === undefined ? 2 : dev, w = v.slice(-n), m = avg(w);
    var mid = m || avg(w);
    var sd = sqrt(avg(w.map(function (x) { return (x - mid) * (x - mid); })));
    return { lower: m - sd * d, middle: m, upper: m + sd * d };
  }
  function macdOf(v, fast, slow, signal) {
    fast = fast === undefined ? 12 : fast; slow = slow === undefined ? 26 : slow; signal = signal === undefined ? 9 : signal;
    var kf = 2 / (fast + 1), ks = 2 / (slow + 1), kg = 2 / (signal + 1), ef, es, eg, seen = 0, r = null;
    for (var i = 0; i < v.length; i++) {
      var x = v[i];
      ef = x * kf + (ef === undefined ? x : ef) * (1 - kf);
      es = x * ks + (es === undefined ? x : es) * (1 - ks);
      if (seen < slow) seen++;
      if (seen === slow) {
        var m = ef - es;
        eg = m * kg + (eg === undefined ? m : eg) * (1 - kg);
        r = { histogram: m - eg, macd: m, signal: eg };
      } else r = null;
    }
    return r;
  }
  function highestOf(v, n) { return v.length < n ? null : mmax.apply(null, v.slice(-n)); }
  function lowestOf(v, n) { return v.length < n ? null : mmin.apply(null, v.slice(-n)); }
  var indicators = Object.freeze({
    sma: smaOf, ema: emaOf, rsi: rsiOf, atr: atrOf, bollinger: bollingerOf, macd: macdOf, highest: highestOf, lowest: lowestOf,
  });

  var UNIT = { m: 60000, h: 3600000, d: 86400000, w: 604800000 };
  function timeframeMs(tf) {
    var m = /^([1-9]\d*)(m|h|d|w)$/.exec(tf);
    if (!m) throw new Error('barsOf: timeframe "' + tf + '" must be like 15m, 1h, 4h, 1d or 1w');
    return Number(m[1]) * UNIT[m[2]];
  }
  function barMsOf(bars, symbol) {
    if (bars.length < 2) throw new Error('barsOf: need 2 bars of ' + symbol + ' to know the timeframe');
    var counts = new Map();
    for (var i = 1; i < mmin(bars.length, 500); i++) { var d = bars[i].ts - bars[i - 1].ts; counts.set(d, (counts.get(d) || 0) + 1); }
    return Array.from(counts.entries()).sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; })[0][0];
  }
  function resample(bars, baseMs, tfMs) {
    if (tfMs === baseMs) return bars.slice();
    if (tfMs < baseMs || tfMs % baseMs !== 0) throw new Error('barsOf: a ' + tfMs + " ms timeframe is not a multiple of the run's " + baseMs + ' ms bars');
    var out = [], cur, truncated = false;
    for (var i = 0; i < bars.length; i++) {
      var b = bars[i], start = floor(b.ts / tfMs) * tfMs;
      if (cur && cur.ts === start) { cur.high = mmax(cur.high, b.high); cur.low = mmin(cur.low, b.low); cur.close = b.close; cur.volume += b.volume; continue; }
      if (cur && !truncated) out.push(cur);
      truncated = cur === undefined && b.ts > start;
      cur = { ts: start, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume };
    }
    var last = bars[bars.length - 1];
    if (cur && !truncated && last.ts + baseMs >= cur.ts + tfMs) out.push(cur);
    return out;
  }

  function Invalid(message) { this.message = message; }
  // Walks what leaves the sandbox: JSON only, finite numbers, bounded size; names the first bad field.
  function measure(v, path, budget, depth) {
    if (depth > 64) throw new Invalid(path + ': nested deeper than 64 levels (or a cycle)');
    if (v === null || typeof v === 'boolean') return budget - 5;
    if (typeof v === 'number') {
      if (!finite(v)) throw new Invalid(path + ': ' + String(v) + ' is not a finite number');
      return budget - 24;
    }
    if (typeof v === 'string') { budget -= v.length + 2; if (budget < 0) throw new Invalid('output is over the ' + (MAX_BYTES / 1048576) + ' MB cap'); return budget; }
    if (typeof v === 'undefined') return budget;
    if (typeof v !== 'object') throw new Invalid(path + ': a ' + typeof v + ' cannot leave the sandbox (JSON only)');
    if (typeof v.then === 'function') throw new Invalid(path + ': a Promise (onBar must return its orders, not await them)');
    if (isArray(v)) {
      for (var i = 0; i < v.length; i++) { budget = measure(v[i], path + '[' + i + ']', budget - 1, depth + 1); if (budget < 0) break; }
    } else {
      var ks = keys(v);
      for (var j = 0; j < ks.length; j++) { budget = measure(v[ks[j]], path + '.' + ks[j], budget - ks[j].length - 4, depth + 1); if (budget < 0) break; }
    }
    if (budget < 0) throw new Invalid('output is over the ' + (MAX_BYTES / 1048576) + ' MB cap');
    return budget;
  }

  // What is the same for every symbol of a step (bars, universe, positions, marks…), sent once a step.
  var strategy, step = { windows: {}, universe: [] };
  var api = {
    install: function (s) { strategy = s; },
    describe: function () {
      var s = strategy;
      if (s === null || typeof s !== 'object') return stringify({ missing: true, type: s === null ? 'null' : typeof s });
      return stringify({
        name: s.name, version: s.version, description: s.description, params: s.params,
        lookback: typeof s.lookback === 'function' ? 'function' : s.lookback,
        onBar: typeof s.onBar,
      });
    },
    lookback: function (paramsJson) {
      var r = typeof strategy.lookback === 'function' ? strategy.lookback(parse(paramsJson)) : strategy.lookback;
      return typeof r === 'number' ? r : NaN;
    },
    // Each symbol's bars come whole, or as the change from the last step's (drop from the front, add at the end);
    // frozen, so a strategy cannot alter what the next step starts from.
    setStep: function (json) {
      var next = parse(json), windows = {}, ds = next.windows, ks = keys(ds);
      for (var i = 0; i < ks.length; i++) {
        var d = ds[ks[i]], old = step.windows[ks[i]];
        var add = d.add.map(function (b) { return Object.freeze(b); });
        windows[ks[i]] = Object.freeze(d.full || !old ? add : old.slice(d.drop).concat(add));
      }
      next.windows = windows;
      step = next;
    },
    onBar: function (json) {
      var inp = parse(json);
      seed = inp.seed | 0;
      var resampled = {};
      var ctx = {
        symbol: inp.symbol, bars: step.windows[inp.symbol] || [], params: step.params, position: inp.position,
        equity: step.equity, mark: inp.mark, universe: step.universe, positions: step.positions, marks: step.marks,
        time: inp.time, state: inp.state, openOrders: step.openOrders, indicators: indicators,
        barsOf: function (other, tf) {
          var own = step.windows[other];
          if (!own) throw new Error('barsOf: unknown symbol "' + other + '" (the run trades ' + step.universe.join(', ') + ')');
          if (tf === undefined) return own;
          var key = other + '|' + tf;
          if (!resampled[key]) resampled[key] = resample(own, barMsOf(own, other), timeframeMs(tf));
          return resampled[key];
        },
        buy: function (o) { return Object.assign({}, o, { kind: 'order', side: 'buy' }); },
        sell: function (o) { return Object.assign({}, o, { kind: 'order', side: 'sell' }); },
        cancel: function (c) { return Object.assign({}, c, { kind: 'cancel' }); },
      };
      var out = strategy.onBar(ctx);
      try {
        if (out !== null && typeof out === 'object' && typeof out.then === 'function')
          throw new Invalid('onBar returned a Promise (onBar must return its orders, not await them)');
        if (isArray(out) && out.length > MAX_ORDERS) throw new Invalid('onBar returned ' + out.length + ' orders, over the cap of ' + MAX_ORDERS);
        var left = measure(out, 'orders', MAX_BYTES, 0);
        measure(ctx.state, 'state', left, 0);
        return stringify({ ok: true, out: out === undefined ? null : out, undef: out === undefined, state: ctx.state });
      } catch (e) {
        if (e instanceof Invalid) return stringify({ ok: false, invalid: e.message });
        throw e;
      }
    },
  };
  Object.defineProperty(G, '__tempotrade', { value: Object.freeze(api), writable: false, configurable: false, enumerable: false });
})();
`;

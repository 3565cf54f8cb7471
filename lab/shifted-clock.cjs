// Preloaded into cert-wrap's own node processes (NODE_OPTIONS=--require) by
// lab/clock.ts: their clock runs CERT_WRAP_TEST_CLOCK_SHIFT_MS ahead,
// as if that much time had passed. certbot, Pebble and nginx keep the real time.
'use strict';
const shift = Number(process.env.CERT_WRAP_TEST_CLOCK_SHIFT_MS);
if (Number.isFinite(shift) && shift !== 0) {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      super(...(args.length === 0 ? [RealDate.now() + shift] : args));
    }
    static now() {
      return RealDate.now() + shift;
    }
  }
  globalThis.Date = ShiftedDate;
}

/*
 * The emulator's 3D Secure challenge for stripe.handleNextAction: "Complete" or "Fail" tells
 * the emulator (POST /_emulator/three_d_secure/{payment_intent}/{complete|fail}), then the
 * parent is told the outcome and fetches the PaymentIntent itself.
 */
(function () {
  'use strict';
  const frame = window.EmulatorFrame;
  const complete = document.getElementById('complete');
  const fail = document.getElementById('fail');
  const status = document.getElementById('status');
  let intent = null;

  async function finish(outcome) {
    if (!intent) return;
    complete.disabled = true;
    fail.disabled = true;
    status.className = '';
    status.textContent = outcome === 'complete' ? 'Completing authentication…' : 'Failing authentication…';
    const result = await frame.api('POST', '/_emulator/three_d_secure/' + encodeURIComponent(intent.paymentIntent) + '/' + outcome, {
      key: intent.publishableKey,
      form: frame.encodeForm({ client_secret: intent.clientSecret }),
    });
    if (!result.ok) {
      const message = (result.body && result.body.error && result.body.error.message) || 'The authentication could not be recorded.';
      status.className = 'alert';
      status.textContent = message;
      complete.disabled = false;
      fail.disabled = false;
      frame.send('three-ds-error', { message: message });
      return;
    }
    frame.send('three-ds-done', { outcome: outcome });
  }

  complete.addEventListener('click', function () { finish('complete'); });
  fail.addEventListener('click', function () { finish('fail'); });
  frame.on('init', function (message) {
    intent = { paymentIntent: String(message.paymentIntent), clientSecret: String(message.clientSecret), publishableKey: String(message.publishableKey) };
    complete.disabled = false;
    fail.disabled = false;
    complete.focus();
  });
  frame.ready();
})();

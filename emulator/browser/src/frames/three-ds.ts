// The emulator's 3D Secure challenge for stripe.handleNextAction: "Complete" or "Fail" tells the
// emulator (POST /_emulator/three_d_secure/{payment_intent}/{complete|fail}), then the parent is
// told the outcome and fetches the PaymentIntent itself.
import { encodeForm } from '../shared/form.ts';
import * as frame from './channel.ts';

const complete = document.getElementById('complete') as HTMLButtonElement;
const fail = document.getElementById('fail') as HTMLButtonElement;
const status = document.getElementById('status')!;
let intent: { paymentIntent: string; clientSecret: string; publishableKey: string } | null = null;

async function finish(outcome: 'complete' | 'fail'): Promise<void> {
  if (!intent) return;
  complete.disabled = true;
  fail.disabled = true;
  status.className = '';
  status.textContent = outcome === 'complete' ? 'Completing authentication…' : 'Failing authentication…';
  const result = await frame.api(
    'POST',
    `/_emulator/three_d_secure/${encodeURIComponent(intent.paymentIntent)}/${outcome}`,
    {
      key: intent.publishableKey,
      form: encodeForm({ client_secret: intent.clientSecret }),
    },
  );
  if (!result.ok) {
    const message = frame.resultError(result, 'The authentication could not be recorded.').message;
    status.className = 'alert';
    status.textContent = message;
    complete.disabled = false;
    fail.disabled = false;
    frame.send('three-ds-error', { message });
    return;
  }
  frame.send('three-ds-done', { outcome });
}

complete.addEventListener('click', () => void finish('complete'));
fail.addEventListener('click', () => void finish('fail'));
frame.on('init', (message) => {
  intent = {
    paymentIntent: String(message.paymentIntent),
    clientSecret: String(message.clientSecret),
    publishableKey: String(message.publishableKey),
  };
  complete.disabled = false;
  fail.disabled = false;
  complete.focus();
});
frame.ready();

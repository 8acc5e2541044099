/*
 * The Payment Element (card only) of the emulator's stripe.js. Card data is typed, validated
 * and sent to the emulator (POST /v1/confirmation_tokens, with the publishable key) from this
 * frame; the parent receives only validation results and the ConfirmationToken.
 */
(function () {
  'use strict';
  const frame = window.EmulatorFrame;
  const inputs = {
    number: document.getElementById('number'),
    expiry: document.getElementById('expiry'),
    cvc: document.getElementById('cvc'),
    postal: document.getElementById('postal'),
  };
  let disabled = false;

  function digits(text) { return String(text).replace(/\D/g, ''); }
  function luhn(number) {
    let sum = 0;
    for (let i = 0; i < number.length; i++) {
      let d = Number(number[number.length - 1 - i]);
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return number.length > 0 && sum % 10 === 0;
  }
  function isAmex(number) { return /^3[47]/.test(number); }

  inputs.number.addEventListener('input', function () {
    const value = digits(inputs.number.value).slice(0, 19);
    inputs.number.value = value.replace(/(\d{4})(?=\d)/g, '$1 ');
    changed();
  });
  inputs.expiry.addEventListener('input', function (event) {
    let value = digits(inputs.expiry.value).slice(0, 4);
    if (value.length === 1 && Number(value) > 1) value = '0' + value;
    const deleting = event.inputType && event.inputType.indexOf('delete') === 0;
    inputs.expiry.value = value.length > 2 || (value.length === 2 && !deleting) ? value.slice(0, 2) + ' / ' + value.slice(2) : value;
    changed();
  });
  inputs.cvc.addEventListener('input', function () {
    inputs.cvc.value = digits(inputs.cvc.value).slice(0, 4);
    changed();
  });
  inputs.postal.addEventListener('input', changed);
  Object.keys(inputs).forEach(function (key) {
    inputs[key].addEventListener('focus', function () { frame.send('element-focus'); });
    inputs[key].addEventListener('blur', function () { frame.send('element-blur'); });
  });
  document.getElementById('form').addEventListener('submit', function (event) { event.preventDefault(); });

  /** Stripe's validation codes and messages for the card form. */
  function validate() {
    const errors = {};
    const number = digits(inputs.number.value);
    if (!number) errors.number = ['incomplete_number', 'Your card number is incomplete.'];
    else if (number.length < (isAmex(number) ? 15 : 16)) errors.number = ['incomplete_number', 'Your card number is incomplete.'];
    else if (!luhn(number)) errors.number = ['invalid_number', 'Your card number is invalid.'];
    const expiry = digits(inputs.expiry.value);
    if (expiry.length < 4) errors.expiry = ['incomplete_expiry', "Your card's expiration date is incomplete."];
    else {
      const month = Number(expiry.slice(0, 2));
      const year = 2000 + Number(expiry.slice(2, 4));
      const now = new Date();
      if (month < 1 || month > 12) errors.expiry = ['invalid_expiry_month', "Your card's expiration month is invalid."];
      else if (year < now.getFullYear()) errors.expiry = ['invalid_expiry_year_past', "Your card's expiration year is in the past."];
      else if (year === now.getFullYear() && month < now.getMonth() + 1) errors.expiry = ['invalid_expiry_month_past', "Your card's expiration date is in the past."];
    }
    const cvc = digits(inputs.cvc.value);
    if (cvc.length < (isAmex(number) ? 4 : 3)) errors.cvc = ['incomplete_cvc', "Your card's security code is incomplete."];
    if (!inputs.postal.value.trim()) errors.postal = ['incomplete_zip', 'Your postal code is incomplete.'];
    return errors;
  }

  function showErrors(errors) {
    let first = null;
    Object.keys(inputs).forEach(function (key) {
      const error = errors[key];
      inputs[key].setAttribute('aria-invalid', error ? 'true' : 'false');
      document.getElementById(key + '-error').textContent = error ? error[1] : '';
      if (error && !first) first = key;
    });
    if (first) inputs[first].focus();
    frame.reportSize();
    return first ? { type: 'validation_error', code: errors[first][0], message: errors[first][1] } : null;
  }

  function isEmpty() {
    return Object.keys(inputs).every(function (key) { return !inputs[key].value; });
  }
  function changed() {
    const errors = validate();
    frame.send('element-change', { empty: isEmpty(), complete: Object.keys(errors).length === 0 });
  }

  frame.on('configure', function (message) { configure(message.options || {}); });
  frame.on('update', function (message) { configure(message.options || {}); });
  function configure(options) {
    const variables = (options.appearance && options.appearance.variables) || {};
    const root = document.documentElement.style;
    Object.keys(variables).forEach(function (name) {
      const value = String(variables[name]);
      if (!/[;{}<>\\]/.test(value)) root.setProperty('--pe-' + name.replace(/[A-Z]/g, function (c) { return '-' + c.toLowerCase(); }), value);
    });
    if (options.readOnly !== undefined) {
      disabled = !!options.readOnly;
      Object.keys(inputs).forEach(function (key) { inputs[key].disabled = disabled; });
    }
  }

  frame.on('submit', function (message) {
    const error = showErrors(validate());
    frame.send('submit-result', { requestId: message.requestId, result: error ? { error: error } : { selectedPaymentMethod: 'card' } });
  });

  frame.on('create-confirmation-token', async function (message) {
    const error = showErrors(validate());
    if (error) {
      frame.send('create-confirmation-token-result', { requestId: message.requestId, result: { error: error } });
      return;
    }
    const expiry = digits(inputs.expiry.value);
    const extra = message.params || {};
    const extraMethodData = extra.payment_method_data || {};
    const billing = Object.assign({}, extraMethodData.billing_details || {});
    billing.address = Object.assign({}, billing.address || {}, { postal_code: inputs.postal.value.trim() });
    const body = Object.assign({}, extra, {
      payment_method_data: Object.assign({}, extraMethodData, {
        type: 'card',
        card: {
          number: digits(inputs.number.value),
          exp_month: Number(expiry.slice(0, 2)),
          exp_year: 2000 + Number(expiry.slice(2, 4)),
          cvc: digits(inputs.cvc.value),
        },
        billing_details: billing,
      }),
    });
    const result = await frame.api('POST', '/v1/confirmation_tokens', {
      key: message.publishableKey,
      stripeAccount: message.stripeAccount,
      form: frame.encodeForm(body),
    });
    frame.send('create-confirmation-token-result', {
      requestId: message.requestId,
      result: result.ok ? { confirmationToken: result.body } : { error: result.body.error },
    });
  });

  frame.on('focus', function () { inputs.number.focus(); });
  frame.on('clear', function () {
    Object.keys(inputs).forEach(function (key) { inputs[key].value = ''; });
    showErrors({});
    changed();
  });
  frame.ready();
})();

/*
 * Shared by every iframe page the emulator's connect.js and stripe.js mount. The page that
 * embeds a frame names its origin in the URL fragment (#parentOrigin=…); the frame accepts
 * messages only from its parent window at that origin and posts only to that origin. Card
 * data fetched here stays in this frame: nothing sent to the parent ever contains it.
 */
(function () {
  'use strict';

  const NS = 'stripe-emulator';
  const params = new URLSearchParams(location.hash.slice(1));
  let parentOrigin = null;
  try {
    parentOrigin = new URL(params.get('parentOrigin') || '').origin;
  } catch (_error) {
    parentOrigin = null;
  }
  const handlers = {};

  function send(type, payload) {
    if (!parentOrigin || window.parent === window) return;
    window.parent.postMessage(Object.assign({ ns: NS, type: type }, payload || {}), parentOrigin);
  }
  function on(type, handler) {
    (handlers[type] = handlers[type] || []).push(handler);
  }
  window.addEventListener('message', function (event) {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.ns !== NS) return;
    (handlers[data.type] || []).forEach(function (handler) { handler(data); });
  });

  // The parent sizes the iframe to its content.
  let lastHeight = -1;
  function reportSize() {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== lastHeight) {
      lastHeight = height;
      send('resize', { height: height });
    }
  }
  if (typeof ResizeObserver === 'function') new ResizeObserver(reportSize).observe(document.documentElement);

  function kebab(name) {
    return name.replace(/[A-Z]/g, function (c) { return '-' + c.toLowerCase(); });
  }
  // Values end up in CSS: refuse anything that could close a declaration or a rule.
  function safeCssValue(value) {
    const text = String(value);
    return /[;{}<>\\]/.test(text) ? null : text;
  }

  /** Connect appearance variables -> --cx-* custom properties on the document. */
  function applyAppearance(variables) {
    const root = document.documentElement.style;
    for (const name of Object.keys(variables || {})) {
      const value = variables[name];
      if (value === undefined || value === null) continue;
      const css = safeCssValue(typeof value === 'number' && !/zindex/i.test(name) ? value + 'px' : value);
      if (css !== null) root.setProperty('--cx-' + kebab(name), css);
    }
  }

  const STYLE_PROPERTIES = ['color', 'fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'fontVariant', 'letterSpacing',
    'lineHeight', 'textAlign', 'textDecoration', 'textShadow', 'textTransform', 'padding', 'backgroundColor', 'fontSmoothing', 'iconColor'];
  let styleElement = null;
  /** Stripe's Element `style` object ({base, complete, empty, invalid}) applied to `selector`. */
  function applyElementStyle(style, selector) {
    if (!styleElement) {
      styleElement = document.createElement('style');
      document.head.append(styleElement);
    }
    const rules = [];
    function declarations(variant) {
      return STYLE_PROPERTIES.filter(function (p) { return variant && variant[p] !== undefined && p !== 'iconColor'; })
        .map(function (p) {
          const value = safeCssValue(variant[p]);
          const name = p === 'fontSmoothing' ? '-webkit-font-smoothing' : kebab(p);
          return value === null ? '' : name + ': ' + value + ';';
        }).join(' ');
    }
    const base = style && style.base;
    if (base) {
      rules.push(selector + ' { ' + declarations(base) + ' }');
      if (base[':hover']) rules.push(selector + ':hover { ' + declarations(base[':hover']) + ' }');
      if (base[':focus']) rules.push(selector + ':focus-visible { ' + declarations(base[':focus']) + ' }');
    }
    if (style && style.invalid) rules.push('.invalid ' + selector + ' { ' + declarations(style.invalid) + ' }');
    styleElement.textContent = rules.join('\n');
  }

  /** A request to the emulator's API from this frame (same origin as the emulator). */
  async function api(method, path, options) {
    const init = { method: method, headers: {} };
    if (options && options.key) init.headers.Authorization = 'Bearer ' + options.key;
    if (options && options.stripeAccount) init.headers['Stripe-Account'] = options.stripeAccount;
    if (options && options.form !== undefined) {
      init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
      init.body = options.form;
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (_error) {
      return { ok: false, status: 0, body: { error: { type: 'api_connection_error', message: "Couldn't reach Stripe. Check your connection and try again." } } };
    }
    const body = await response.json().catch(function () { return null; });
    if (!response.ok && !(body && body.error)) {
      return { ok: false, status: response.status, body: { error: { type: 'api_error', message: 'Stripe returned an error (HTTP ' + response.status + ').' } } };
    }
    return { ok: response.ok, status: response.status, body: body };
  }

  /** Stripe's form encoding with bracket notation. */
  function encodeForm(params) {
    const parts = [];
    function walk(prefix, value) {
      if (value === undefined || value === null) return;
      if (Array.isArray(value)) {
        value.forEach(function (item, index) { walk(prefix + '[' + index + ']', item); });
      } else if (typeof value === 'object') {
        for (const key of Object.keys(value)) walk(prefix ? prefix + '[' + key + ']' : key, value[key]);
      } else {
        parts.push(encodeURIComponent(prefix) + '=' + encodeURIComponent(String(value)));
      }
    }
    walk('', params);
    return parts.join('&');
  }

  /**
   * Asks the page's controller frame (controller.js, a sibling frame on this origin named
   * `controllerName`) for one field of a card it retrieved. Resolves the field's part of the
   * card, or null when there is no such frame or it has nothing for this card and key: the
   * caller then fetches the card itself.
   */
  function askController(controllerName, request) {
    let controller = null;
    try {
      const sibling = typeof controllerName === 'string' && controllerName ? window.parent.frames[controllerName] : null;
      // Reading a property of a frame on another origin throws: only our own frames qualify.
      controller = sibling && sibling !== window && sibling.EmulatorController ? sibling.EmulatorController : null;
    } catch (_error) {
      controller = null;
    }
    if (!controller || typeof controller.cardField !== 'function') return Promise.resolve(null);
    return Promise.resolve(controller.cardField(request)).catch(function () { return null; });
  }

  function groupCardNumber(number) {
    return String(number).replace(/\D/g, '').replace(/(\d{4})(?=\d)/g, '$1 ');
  }
  function formatExpiry(month, year) {
    return String(month).padStart(2, '0') + '/' + String(year).slice(-2);
  }

  window.EmulatorFrame = {
    parentOrigin: parentOrigin,
    params: params,
    send: send,
    on: on,
    ready: function () { send('ready'); reportSize(); },
    reportSize: reportSize,
    applyAppearance: applyAppearance,
    applyElementStyle: applyElementStyle,
    api: api,
    encodeForm: encodeForm,
    askController: askController,
    groupCardNumber: groupCardNumber,
    formatExpiry: formatExpiry,
  };
})();

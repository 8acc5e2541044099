// The frame side of the messages, shared by every iframe page connect.js and stripe.js mount. The
// page that embeds a frame names its origin in the URL fragment (#parentOrigin=…); the frame
// accepts messages only from its parent window at that origin and posts only to that origin. Card
// data fetched here stays in the frame: nothing sent to the parent ever contains it.
import {
  applyAppearance as applyVariables,
  kebab,
  safeCssValue,
  type AppearanceVariables,
} from '../shared/appearance.ts';
import {
  CONNECTION_ERROR_MESSAGE,
  isFrameMessage,
  MESSAGE_NS,
  type FrameMessage,
  type StripeErrorLike,
} from '../shared/messages.ts';

export const params = new URLSearchParams(location.hash.slice(1));

function parseParentOrigin(): string | null {
  try {
    return new URL(params.get('parentOrigin') || '').origin;
  } catch {
    return null;
  }
}
export const parentOrigin = parseParentOrigin();

type Handler = (message: FrameMessage) => void;
const handlers = new Map<string, Handler[]>();

export function send(type: string, payload: Record<string, unknown> = {}): void {
  if (!parentOrigin || window.parent === window) return;
  window.parent.postMessage({ ...payload, ns: MESSAGE_NS, type }, parentOrigin);
}

export function on(type: string, handler: Handler): void {
  handlers.set(type, [...(handlers.get(type) ?? []), handler]);
}

window.addEventListener('message', (event) => {
  if (event.source !== window.parent || event.origin !== parentOrigin || !isFrameMessage(event.data)) return;
  const data = event.data;
  for (const handler of handlers.get(data.type) ?? []) handler(data);
});

// The parent sizes the iframe to its content.
let lastHeight = -1;
export function reportSize(): void {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (height !== lastHeight) {
    lastHeight = height;
    send('resize', { height });
  }
}
if (typeof ResizeObserver === 'function') new ResizeObserver(reportSize).observe(document.documentElement);

export function ready(): void {
  send('ready');
  reportSize();
}

/** Connect appearance variables → --cx-* custom properties on the document. */
export function applyAppearance(variables: unknown): void {
  applyVariables(document.documentElement, (variables ?? {}) as AppearanceVariables);
}

const STYLE_PROPERTIES = [
  'color',
  'fontFamily',
  'fontSize',
  'fontWeight',
  'fontStyle',
  'fontVariant',
  'letterSpacing',
  'lineHeight',
  'textAlign',
  'textDecoration',
  'textShadow',
  'textTransform',
  'padding',
  'backgroundColor',
  'fontSmoothing',
] as const;
type StyleVariant = Partial<Record<(typeof STYLE_PROPERTIES)[number] | 'iconColor', string>> & {
  ':hover'?: StyleVariant;
  ':focus'?: StyleVariant;
};
export interface ElementStyle {
  base?: StyleVariant;
  invalid?: StyleVariant;
  complete?: StyleVariant;
  empty?: StyleVariant;
}

let styleElement: HTMLStyleElement | null = null;
/** Stripe's Element `style` object ({base, complete, empty, invalid}) applied to `selector`. */
export function applyElementStyle(style: ElementStyle | undefined, selector: string): void {
  if (!styleElement) {
    styleElement = document.createElement('style');
    document.head.append(styleElement);
  }
  const declarations = (variant: StyleVariant | undefined) =>
    STYLE_PROPERTIES.filter((p) => variant?.[p] !== undefined)
      .map((p) => {
        const value = safeCssValue(variant![p]);
        const name = p === 'fontSmoothing' ? '-webkit-font-smoothing' : kebab(p);
        return value === null ? '' : `${name}: ${value};`;
      })
      .join(' ');
  const rules: string[] = [];
  const base = style?.base;
  if (base) {
    rules.push(`${selector} { ${declarations(base)} }`);
    if (base[':hover']) rules.push(`${selector}:hover { ${declarations(base[':hover'])} }`);
    if (base[':focus']) rules.push(`${selector}:focus-visible { ${declarations(base[':focus'])} }`);
  }
  if (style?.invalid) rules.push(`.invalid ${selector} { ${declarations(style.invalid)} }`);
  styleElement.textContent = rules.join('\n');
}

export interface ApiResult<T> {
  ok: boolean;
  status: number;
  body: (T & { error?: StripeErrorLike }) | { error: StripeErrorLike } | null;
}

/** A request to the emulator's API from this frame (same origin as the emulator). */
export async function api<T>(
  method: 'GET' | 'POST',
  path: string,
  options: { key?: string; stripeAccount?: string | null; form?: string } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = {};
  const init: RequestInit = { method, headers };
  if (options.key) headers.Authorization = `Bearer ${options.key}`;
  if (options.stripeAccount) headers['Stripe-Account'] = options.stripeAccount;
  if (options.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    init.body = options.form;
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    return {
      ok: false,
      status: 0,
      body: { error: { type: 'api_connection_error', message: CONNECTION_ERROR_MESSAGE } },
    };
  }
  const body = (await response.json().catch(() => null)) as (T & { error?: StripeErrorLike }) | null;
  if (!response.ok && !body?.error) {
    return {
      ok: false,
      status: response.status,
      body: { error: { type: 'api_error', message: `Stripe returned an error (HTTP ${response.status}).` } },
    };
  }
  return { ok: response.ok, status: response.status, body };
}

/** The error of a failed result, or a generic one. */
export function resultError(result: ApiResult<unknown>, fallback: string): StripeErrorLike {
  const error = result.body && 'error' in result.body ? result.body.error : undefined;
  return { type: error?.type || 'api_error', message: error?.message || fallback };
}

/** What the controller frame hands an element frame: only the field it shows. */
export interface CardField {
  number?: string;
  cvc?: string;
  pin?: { number: string };
  exp_month?: number;
  exp_year?: number;
}

export interface ControllerApi {
  cardField(request: { issuingCard?: unknown; ephemeralKeySecret?: unknown; field: string }): Promise<CardField | null>;
}

/**
 * The part of a card the page's controller frame (controller.ts) retrieved, found by its window
 * name among this frame's siblings, or null when there is no such frame or it has nothing for
 * this card and key: the caller then fetches the card itself.
 */
export function askController(
  controllerName: unknown,
  request: Parameters<ControllerApi['cardField']>[0],
): Promise<CardField | null> {
  // eslint-disable-next-line no-useless-assignment -- null stays the answer when the lookup below throws
  let controller: ControllerApi | null = null;
  try {
    const sibling =
      typeof controllerName === 'string' && controllerName
        ? (window.parent.frames as unknown as Record<string, Window | undefined>)[controllerName]
        : null;
    // Reading a property of a frame on another origin throws: only our own frames qualify.
    const candidate =
      sibling && sibling !== window
        ? (sibling as Window & { EmulatorController?: ControllerApi }).EmulatorController
        : undefined;
    controller = candidate ?? null;
  } catch {
    controller = null;
  }
  if (!controller || typeof controller.cardField !== 'function') return Promise.resolve(null);
  return Promise.resolve(controller.cardField(request)).catch(() => null);
}

export function groupCardNumber(number: string): string {
  return String(number)
    .replace(/\D/g, '')
    .replace(/(\d{4})(?=\d)/g, '$1 ');
}

export function formatExpiry(month: number | undefined, year: number | undefined): string {
  return `${String(month ?? '').padStart(2, '0')}/${String(year ?? '').slice(-2)}`;
}

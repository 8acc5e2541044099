// Stripe's error object and the handful of errors every endpoint shares.
// Shape and wording follow https://docs.stripe.com/api/errors and what Stripe answers in test mode;
// stripe-node chooses its error class from the status code (400/404 invalid request, 401
// authentication, 403 permission, 429 rate limit), so the status matters as much as the body.

export type StripeErrorType =
  'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error' | 'rate_limit_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  doc_url?: string;
  decline_code?: string;
  [extra: string]: unknown;
}

export interface StripeApiErrorOptions {
  code?: string;
  param?: string;
  type?: StripeErrorType;
  /**
   * Stripe saves an idempotent result only "once endpoint execution starts": errors raised while
   * validating parameters are not replayed. Validation helpers set this to false.
   */
  idempotent?: boolean;
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
}

export class StripeApiError extends Error {
  readonly statusCode: number;
  readonly body: StripeErrorBody;
  readonly idempotent: boolean;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, message: string, options: StripeApiErrorOptions = {}) {
    super(message);
    this.name = 'StripeApiError';
    this.statusCode = statusCode;
    this.idempotent = options.idempotent ?? true;
    this.headers = options.headers ?? {};
    const body: StripeErrorBody = { type: options.type ?? 'invalid_request_error', message };
    if (options.code) {
      body.code = options.code;
      body.doc_url = docUrl(options.code);
    }
    if (options.param !== undefined) body.param = options.param;
    Object.assign(body, options.extra);
    this.body = body;
  }

  toJSON(): { error: StripeErrorBody } {
    return { error: this.body };
  }
}

export function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;
}

/** A 400 about the request's parameters (not saved for idempotent replay). */
export function invalidParam(message: string, param: string, code?: string): StripeApiError {
  return new StripeApiError(400, message, { param, code, idempotent: false });
}

export function unknownParameter(param: string): StripeApiError {
  return invalidParam(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
}

export function missingParameter(param: string): StripeApiError {
  return invalidParam(`Missing required param: ${param}.`, param, 'parameter_missing');
}

export function emptyParameter(param: string): StripeApiError {
  return invalidParam(
    `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
    param,
    'parameter_invalid_empty',
  );
}

/** Stripe words enum errors "Invalid status: must be one of active, inactive, or canceled". */
export function invalidEnum(param: string, allowed: readonly string[]): StripeApiError {
  // `spending_controls[allowed_categories][0]` is reported as "Invalid allowed_categories[0]".
  const segments = param.split(/[[\]]+/).filter(Boolean);
  const last = segments[segments.length - 1] ?? param;
  const name = /^\d+$/.test(last) ? `${segments[segments.length - 2] ?? ''}[${last}]` : last;
  const list =
    allowed.length <= 2
      ? allowed.join(' or ')
      : `${allowed.slice(0, -1).join(', ')}, or ${allowed[allowed.length - 1]}`;
  return invalidParam(`Invalid ${name}: must be one of ${list}`, param);
}

export function exclusiveParameters(a: string, b: string): StripeApiError {
  return invalidParam(
    `You cannot specify both \`${a}\` and \`${b}\`. Specify one or the other.`,
    b,
    'parameters_exclusive',
  );
}

/** Object names as Stripe writes them in "No such …" messages. */
export function resourceMissing(objectName: string, id: string, param: string, status = 404): StripeApiError {
  return new StripeApiError(status, `No such ${objectName}: '${id}'`, { code: 'resource_missing', param });
}

export function unrecognizedUrl(method: string, url: string): StripeApiError {
  const path = url.split('?')[0] ?? url;
  return new StripeApiError(
    404,
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    { idempotent: false },
  );
}

/** Plain 400 for business rules (saved for idempotent replay, as Stripe does once execution starts). */
export function invalidRequest(
  message: string,
  options: Omit<StripeApiErrorOptions, 'idempotent'> = {},
): StripeApiError {
  return new StripeApiError(400, message, options);
}

/** Keys and tokens are shown as Stripe shows them: prefix, stars, last four. */
export function redactKey(key: string): string {
  const match = /^([a-z]+_(?:test|live)_|[a-z]+_)/.exec(key);
  const prefix = match?.[1] ?? '';
  const rest = key.slice(prefix.length);
  if (rest.length <= 4) return `${prefix}${'*'.repeat(rest.length)}`;
  return `${prefix}${'*'.repeat(Math.min(rest.length - 4, 24))}${rest.slice(-4)}`;
}

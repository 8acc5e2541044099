import fp from 'fastify-plugin';
import { badRequest } from '../../errors.ts';

// C0 control characters other than tab, line feed and carriage return (a reason typed in a text
// area may hold those), and DEL. PostgreSQL refuses NUL in text outright (a 500 before this
// check); the others have no business in an email, an id, a search term or a reason.
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// Half of a UTF-16 surrogate pair without its other half: no character at all. Node would
// silently turn it into U+FFFD on the way to the database or to Stripe.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function badText(value: string): string | undefined {
  if (CONTROL.test(value)) return 'holds a control character';
  if (LONE_SURROGATE.test(value)) return 'holds an invalid character (a lone UTF-16 surrogate)';
  return undefined;
}

/** The first string (key or value) in `value` that is not clean text, with its field path. */
function findBadText(value: unknown, path: string, depth = 0): { field: string; problem: string } | undefined {
  if (typeof value === 'string') {
    const problem = badText(value);
    return problem ? { field: path, problem } : undefined;
  }
  if (depth > 20 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const field = path ? `${path}.${key}` : key;
    const keyProblem = badText(key);
    if (keyProblem) return { field, problem: `name ${keyProblem}` };
    const found = findBadText(child, field, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Every route's parameters, query string and JSON body hold text, never control characters or
 * broken UTF-16: a 400 naming the field, before validation and the handler, instead of a
 * database error (500) or a silently altered value. After the route guard, so an unauthorized
 * caller learns nothing here either. Raw bodies (the Stripe webhook's Buffer) are not text.
 */
export default fp(
  async (app) => {
    app.addHook('preValidation', async (request) => {
      const found = findBadText(request.params, '') ?? findBadText(request.query, '') ?? findBadText(request.body, '');
      if (found) throw badRequest(`${found.field || 'The request'} ${found.problem}.`, found.field || undefined);
    });
  },
  { name: 'input-hygiene', dependencies: ['route-guard'] },
);

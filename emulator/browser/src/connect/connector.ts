// The Connect instance's connector (what each element receives through setConnector): the Account
// Session claim and its renewal, the /v1 client authenticated by the session, appearance, locale.
//
// The client secret (the loader's eagerClientSecretPromise first, then fetchClientSecret()) is
// claimed once at POST {emulator}/_emulator/connect/claim for an `emcs_` token, which then
// authenticates /v1 calls on the session's account, limited by its components and features.
import type { AppearanceVariables } from '../shared/appearance.ts';
import { h } from '../shared/dom.ts';
import { encodeForm, type FormValue } from '../shared/form.ts';
import { ConnectError, connectionError, errorMessage, errorTypeForStatus } from './errors.ts';
import type { ConnectSession, List } from './types.ts';

const SESSION_EXPIRY_SKEW_SECONDS = 10;
const MAX_LIST_PAGES = 20;

export interface FontSource {
  cssSrc?: string;
  family?: string;
  src?: string;
  style?: string;
  weight?: string;
  display?: string;
  unicodeRange?: string;
}

export interface InitParams {
  publishableKey: string;
  fetchClientSecret: () => Promise<string> | string;
  appearance?: { variables?: AppearanceVariables };
  locale?: string;
  fonts?: FontSource[];
  metaOptions?: { eagerClientSecretPromise?: Promise<string> };
}

export interface UpdateOptions {
  appearance?: { variables?: AppearanceVariables };
  locale?: string;
}

/** What the connector asks of the elements registered with it. */
export interface ConnectedElement {
  onConnectorUpdate(): void;
  onLogout(): void;
}

const loadedFonts = new Set<string>();
function loadFonts(fonts: unknown): void {
  if (!Array.isArray(fonts)) return;
  for (const font of fonts as (FontSource | null)[]) {
    if (!font) continue;
    if (font.cssSrc && !loadedFonts.has(font.cssSrc)) {
      loadedFonts.add(font.cssSrc);
      document.head.append(h('link', { rel: 'stylesheet', href: font.cssSrc }));
    } else if (font.family && font.src && typeof FontFace === 'function') {
      try {
        const descriptors: FontFaceDescriptors = {};
        if (font.style) descriptors.style = font.style;
        if (font.weight) descriptors.weight = font.weight;
        if (font.display) descriptors.display = font.display as FontDisplay;
        if (font.unicodeRange) descriptors.unicodeRange = font.unicodeRange;
        const face = new FontFace(font.family, font.src, descriptors);
        document.fonts.add(face);
        face.load().catch(() => undefined); // the fallback font stays
      } catch {
        // invalid descriptor: keep the fallback font
      }
    }
  }
}

function browserLocale(): string {
  return navigator.language || 'en-US';
}

export class Connector {
  readonly publishableKey: string;
  appearance: AppearanceVariables;
  locale: string;
  private readonly fetchClientSecret: (() => Promise<string> | string) | null;
  private eagerSecretPromise: Promise<string> | null;
  private readonly elements = new Set<ConnectedElement>();
  private current: ConnectSession | null = null;
  private pending: Promise<ConnectSession> | null = null;
  private loggedOut = false;

  constructor(
    readonly emulatorOrigin: string,
    params: InitParams,
  ) {
    this.publishableKey = params.publishableKey;
    this.fetchClientSecret = typeof params.fetchClientSecret === 'function' ? params.fetchClientSecret : null;
    const eager = params.metaOptions?.eagerClientSecretPromise;
    this.eagerSecretPromise = eager && typeof eager.then === 'function' ? eager : null;
    this.eagerSecretPromise?.catch(() => undefined); // reported when claimed
    this.appearance = params.appearance?.variables ?? {};
    this.locale = params.locale && params.locale !== 'auto' ? params.locale : browserLocale();
    loadFonts(params.fonts);
  }

  register(element: ConnectedElement): void {
    this.elements.add(element);
  }

  unregister(element: ConnectedElement): void {
    this.elements.delete(element);
  }

  update(options: UpdateOptions | undefined): void {
    if (!options) return;
    if (options.appearance?.variables) this.appearance = { ...options.appearance.variables };
    if (options.locale) this.locale = options.locale === 'auto' ? browserLocale() : options.locale;
    this.elements.forEach((element) => element.onConnectorUpdate());
  }

  /** Destroys the session (the emulator revokes the token) and disables every component. */
  async logout(): Promise<void> {
    const session = this.current;
    this.loggedOut = true;
    this.current = null;
    this.elements.forEach((element) => element.onLogout());
    if (!session) return;
    try {
      await fetch(`${this.emulatorOrigin}/_emulator/connect/logout`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${session.token}` },
      });
    } catch {
      // the token expires with the session anyway
    }
  }

  /** A live Connect session, claimed or renewed as needed. */
  session(): Promise<ConnectSession> {
    if (this.loggedOut) return Promise.reject(new ConnectError('authentication_error', 'This session has ended.'));
    if (this.current && Date.now() / 1000 < this.current.expires_at - SESSION_EXPIRY_SKEW_SECONDS)
      return Promise.resolve(this.current);
    this.pending ??= this.establish().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async establish(): Promise<ConnectSession> {
    // The eager secret (fetched by @stripe/connect-js at init) is used first and once; a secret
    // that was already used or has expired is replaced by calling fetchClientSecret again.
    for (let attempt = 0; attempt < 2; attempt++) {
      const secret = await this.nextClientSecret();
      let response: Response;
      try {
        response = await fetch(`${this.emulatorOrigin}/_emulator/connect/claim`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ client_secret: secret }),
        });
      } catch {
        throw connectionError();
      }
      const body = (await response.json().catch(() => null)) as
        (ConnectSession & { error?: { message?: string } }) | null;
      if (response.ok && body?.token) {
        this.current = body;
        return body;
      }
      const message = body?.error?.message || 'The Account Session could not be used.';
      if (response.status >= 400 && response.status < 500 && response.status !== 429 && attempt === 0) continue;
      throw new ConnectError(
        response.status >= 500 ? 'api_error' : 'account_session_create_error',
        message,
        response.status,
      );
    }
    throw new ConnectError('account_session_create_error', 'The Account Session could not be used.');
  }

  private async nextClientSecret(): Promise<string> {
    let promise: Promise<string>;
    if (this.eagerSecretPromise) {
      promise = this.eagerSecretPromise;
      this.eagerSecretPromise = null;
    } else if (this.fetchClientSecret) {
      try {
        promise = Promise.resolve(this.fetchClientSecret());
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on exactly what the page's callback threw
        promise = Promise.reject(error);
      }
    } else {
      throw new ConnectError(
        'account_session_create_error',
        'fetchClientSecret was not provided to StripeConnect.init.',
      );
    }
    let secret: unknown;
    try {
      secret = await promise;
    } catch (error) {
      throw new ConnectError(
        'account_session_create_error',
        `Failed to fetch the Account Session client secret: ${errorMessage(error, 'unknown error')}`,
      );
    }
    if (typeof secret !== 'string' || !secret) {
      throw new ConnectError(
        'account_session_create_error',
        'fetchClientSecret must resolve to the Account Session client secret (a string).',
      );
    }
    return secret;
  }

  /** Calls the emulator's /v1 API as the session; one retry with a renewed session on 401. */
  async api<T>(method: 'GET' | 'POST', path: string, params?: FormValue): Promise<T> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const session = await this.session();
      let url = this.emulatorOrigin + path;
      const headers: Record<string, string> = { Authorization: `Bearer ${session.token}` };
      const init: RequestInit = { method, headers };
      if (params !== undefined && method === 'GET') {
        const query = encodeForm(params);
        if (query) url += (url.includes('?') ? '&' : '?') + query;
      } else if (params !== undefined) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        init.body = encodeForm(params);
      }
      let response: Response;
      try {
        response = await fetch(url, init);
      } catch {
        throw connectionError();
      }
      const body = (await response.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
      if (response.ok && body !== null) return body;
      if (response.status === 401 && attempt === 0) {
        if (this.current === session) this.current = null; // expired or revoked: claim a new one
        continue;
      }
      const message = body?.error?.message || `Stripe returned an error (HTTP ${response.status}).`;
      throw new ConnectError(errorTypeForStatus(response.status), message, response.status);
    }
    throw new ConnectError('authentication_error', 'The session could not be renewed.');
  }

  /** Every page of a list (at most MAX_LIST_PAGES of 100). */
  async listAll<T extends { id: string }>(path: string, params: Record<string, FormValue>): Promise<T[]> {
    const all: T[] = [];
    let startingAfter: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const query: Record<string, FormValue> = { limit: 100, ...params };
      if (startingAfter) query.starting_after = startingAfter;
      const list = await this.api<List<T>>('GET', path, query);
      const data = list.data ?? [];
      all.push(...data);
      const last = data[data.length - 1];
      if (!list.has_more || !last) break;
      startingAfter = last.id;
    }
    return all;
  }
}

// Every URL the client links to or routes, in one place: `path` is the router pattern,
// `href(...)` builds a link. Ids are encoded so that an odd id cannot change the route.
const enc = encodeURIComponent;

export const paths = {
  home: { path: '/', href: () => '/' },
  login: {
    path: '/login',
    href: (redirectTo?: string | null) =>
      redirectTo && redirectTo !== '/' ? `/login?redirectTo=${enc(redirectTo)}` : '/login',
  },
  overview: { path: '/overview', href: () => '/overview' },
  accounts: { path: '/accounts', href: () => '/accounts' },
  account: {
    path: '/accounts/:account',
    href: (account: string) => `/accounts/${enc(account)}`,
  },
  cardholders: {
    path: '/accounts/:account/cardholders',
    href: (account: string) => `/accounts/${enc(account)}/cardholders`,
  },
  card: {
    path: '/accounts/:account/cards/:card',
    href: (account: string, card: string) => `/accounts/${enc(account)}/cards/${enc(card)}`,
  },
  cardLookup: {
    path: '/lookup',
    href: (q?: string) => (q ? `/lookup?q=${enc(q)}` : '/lookup'),
  },
  audit: { path: '/audit', href: () => '/audit' },
  purchase: { path: '/purchase', href: () => '/purchase' },
  cardReveal: {
    path: '/accounts/:account/cards/:card/reveal',
    href: (account: string, card: string) => `/accounts/${enc(account)}/cards/${enc(card)}/reveal`,
  },
  security: {
    path: '/security',
    /** `returnTo`: the page to go back to once a second factor is set up (Set a PIN's, decision 165). */
    href: (returnTo?: string) => (returnTo ? `/security?returnTo=${enc(returnTo)}` : '/security'),
  },
  users: { path: '/users', href: () => '/users' },
  invite: { path: '/invite', href: () => '/invite' },
  setPin: {
    path: '/pin',
    href: (card?: string) => (card ? `/pin?card=${enc(card)}` : '/pin'),
  },
} as const;

/**
 * The page to return to after signing in: only a path inside this app, so that a crafted
 * `?redirectTo=https://evil.example` or `//evil.example` cannot send the user elsewhere. One
 * leading '/' and then no second one, no backslash and no control character anywhere: URL parsers
 * drop tabs and newlines and read a backslash as '/', so `/\t/evil.example` would be `//evil.example`.
 */
export function safeRedirectTarget(value: string | null | undefined): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (!value || !/^\/(?![/\\])/.test(value) || /[\u0000-\u001f\u007f\\]/.test(value)) return paths.home.href();
  if (value === paths.login.path || value.startsWith(`${paths.login.path}?`)) return paths.home.href();
  return value;
}

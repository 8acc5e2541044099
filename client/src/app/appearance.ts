// The dashboard's one look: the app's CSS reads these as CSS custom properties (see
// applyAppearance), and the same values go to Stripe's embedded components and Elements so
// that what renders inside their iframes matches the page around it.
// Connect variables: https://docs.stripe.com/connect/customize-connect-embedded-components

export const appearance = {
  colorPrimary: '#4f46e5',
  colorBackground: '#ffffff',
  colorText: '#1f2937',
  colorSecondaryText: '#4b5563',
  colorBorder: '#d1d5db',
  colorDanger: '#b42318',
  colorSuccess: '#067647',
  colorPageBackground: '#f6f7f9',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontSizeBase: '16px',
  borderRadius: '8px',
  spacingUnit: '10px',
} as const;

/** `appearance.variables` for loadConnectAndInitialize (only names Connect knows). */
export const connectAppearanceVariables = {
  colorPrimary: appearance.colorPrimary,
  colorBackground: appearance.colorBackground,
  colorText: appearance.colorText,
  colorSecondaryText: appearance.colorSecondaryText,
  colorBorder: appearance.colorBorder,
  colorDanger: appearance.colorDanger,
  fontFamily: appearance.fontFamily,
  fontSizeBase: appearance.fontSizeBase,
  borderRadius: appearance.borderRadius,
  spacingUnit: appearance.spacingUnit,
};

/** `appearance.variables` for Stripe.js Elements (Payment Element, Issuing Elements). */
export const elementsAppearanceVariables = {
  colorPrimary: appearance.colorPrimary,
  colorBackground: appearance.colorBackground,
  colorText: appearance.colorText,
  colorTextSecondary: appearance.colorSecondaryText,
  colorDanger: appearance.colorDanger,
  fontFamily: appearance.fontFamily,
  fontSizeBase: appearance.fontSizeBase,
  borderRadius: appearance.borderRadius,
};

const cssVariables: Record<string, string> = {
  '--color-primary': appearance.colorPrimary,
  '--color-background': appearance.colorBackground,
  '--color-page': appearance.colorPageBackground,
  '--color-text': appearance.colorText,
  '--color-text-secondary': appearance.colorSecondaryText,
  '--color-border': appearance.colorBorder,
  '--color-danger': appearance.colorDanger,
  '--color-success': appearance.colorSuccess,
  '--font-family': appearance.fontFamily,
  '--font-size-base': appearance.fontSizeBase,
  '--radius': appearance.borderRadius,
  '--space': appearance.spacingUnit,
};

/** Sets the CSS custom properties the stylesheet uses on <html>, before the first render. */
export function applyAppearance(root: HTMLElement = document.documentElement): void {
  for (const [name, value] of Object.entries(cssVariables)) root.style.setProperty(name, value);
}

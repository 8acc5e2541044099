// Connect's `appearance.variables` and Stripe Elements' `style` become CSS. Values go into CSS
// text, so anything that could close a declaration or a rule is refused.

export type AppearanceVariables = Record<string, string | number | null | undefined>;

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The value as CSS, or null when it could break out of its declaration. */
export function safeCssValue(value: unknown): string | null {
  const text = String(value);
  return /[;{}<>\\]/.test(text) ? null : text;
}

/** Connect appearance variables → `--<prefix>-<kebab-name>` custom properties on `target`. Numbers are pixels (but z-indexes). */
export function applyAppearance(
  target: ElementCSSInlineStyle,
  variables: AppearanceVariables | undefined,
  prefix = 'cx',
): void {
  for (const [name, value] of Object.entries(variables ?? {})) {
    if (value === undefined || value === null) continue;
    const css = safeCssValue(typeof value === 'number' && !/zindex/i.test(name) ? `${value}px` : value);
    if (css !== null) target.style.setProperty(`--${prefix}-${kebab(name)}`, css);
  }
}

import type { StripeElementStyle } from '@stripe/stripe-js';
import { appearance } from '../../../app/appearance.ts';

/** The `style` of the Issuing Elements: the app's own font and colours, inside Stripe's iframes. */
export const issuingElementStyle: StripeElementStyle = {
  base: {
    color: appearance.colorText,
    fontFamily: appearance.fontFamily,
    fontSize: appearance.fontSizeBase,
    lineHeight: '24px',
    letterSpacing: '0.02em',
  },
  invalid: { color: appearance.colorDanger },
};

/** The copy buttons are transparent over our own label; only their focus ring shows. */
export const copyButtonStyle: StripeElementStyle = {
  base: { fontSize: '14px', lineHeight: '32px' },
};

// The Stripe API version everything here speaks: the emulator answers in it, the app's Stripe
// client and webhook replies pin it, the tests and the benchmark send it. It is the version the
// pinned `stripe` SDK is generated for (node_modules/stripe/esm/apiVersion.js, exported as
// `Stripe.API_VERSION`; its type is `Stripe.LatestApiVersion`). Written out rather than read from
// the SDK at run time so that shared/ stays free of the SDK's code; the type below makes `tsc`
// fail when an SDK upgrade moves the version, which is the moment to change it here.
import type Stripe from 'stripe';

export const STRIPE_API_VERSION: Stripe.LatestApiVersion = '2026-10-28.endive';

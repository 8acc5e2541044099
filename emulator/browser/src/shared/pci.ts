// The card's PCI fields (number, CVC, PIN) exist only in the emulator's frames: whatever goes to
// the host page is stripped of them first. One copy for stripe.js and the controller frame.

export interface PciCard {
  number?: string | null;
  cvc?: string | null;
  pin?: { number?: string | null } | null;
  [field: string]: unknown;
}

export function stripPciFields<T extends PciCard>(card: T): T {
  const copy: PciCard = { ...card };
  delete copy.number;
  delete copy.cvc;
  if (copy.pin && typeof copy.pin === 'object') {
    const pin = { ...copy.pin };
    delete pin.number;
    copy.pin = pin;
  }
  return copy as T;
}

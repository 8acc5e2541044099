// A modal on the host page holding the emulator's 3DS frame (frames/three-ds.html); resolves when it reports.
import type { HostFrames } from '../shared/origin.ts';
import { makeIframe } from './hidden-frames.ts';

export function showThreeDsChallenge(
  frames: HostFrames,
  paymentIntent: string,
  clientSecret: string,
  publishableKey: string,
): Promise<{ outcome: unknown }> {
  return new Promise((resolve) => {
    const previousFocus = document.activeElement;
    const overlay = document.createElement('div');
    overlay.setAttribute('role', 'dialog');
    overlay.setAttribute('aria-modal', 'true');
    overlay.setAttribute('aria-label', '3D Secure authentication');
    overlay.style.cssText =
      'position: fixed; inset: 0; z-index: 2147483000; display: flex; align-items: center; justify-content: center; background: rgba(0, 0, 0, 0.45);';
    const iframe = makeIframe(frames, 'three-ds.html', {}, '3D Secure authentication challenge');
    iframe.style.width = 'min(420px, 92vw)';
    iframe.style.height = '240px';
    iframe.style.borderRadius = '8px';
    iframe.style.background = '#ffffff';
    overlay.append(iframe);
    const close = (result: { outcome: unknown }) => {
      frames.delete(iframe);
      overlay.remove();
      if (previousFocus instanceof HTMLElement && previousFocus.isConnected) previousFocus.focus();
      resolve(result);
    };
    frames.set(iframe, (data) => {
      if (data.type === 'ready') {
        iframe.focus();
        frames.post(iframe, { type: 'init', paymentIntent, clientSecret, publishableKey });
      } else if (data.type === 'resize' && typeof data.height === 'number') {
        iframe.style.height = `${Math.min(window.innerHeight - 40, Math.ceil(data.height))}px`;
      } else if (data.type === 'three-ds-done') {
        close({ outcome: data.outcome });
      }
    });
    document.body.append(overlay);
  });
}

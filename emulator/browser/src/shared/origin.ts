// The host side of the frames (connect.js, stripe.js): the emulator's origin is wherever the
// loading script came from; every frame is on that origin; a message is accepted only from that
// origin *and* from the exact window of a frame this script mounted; messages go only there.
import { isFrameMessage, MESSAGE_NS, type FrameMessage } from './messages.ts';

/** The origin of the running script (the app page names it by URL), else the page's own. */
export function scriptOrigin(script: HTMLOrSVGScriptElement | null): string {
  try {
    return new URL(script instanceof HTMLScriptElement && script.src ? script.src : location.href).origin;
  } catch {
    return location.origin;
  }
}

/** A frame page's URL; the fragment names this page's origin (frames post only there). */
export function frameUrl(emulatorOrigin: string, page: string, extra: Record<string, string> = {}): string {
  let hash = `parentOrigin=${encodeURIComponent(location.origin)}`;
  for (const [key, value] of Object.entries(extra)) hash += `&${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
  return `${emulatorOrigin}/_emulator/frames/${page}#${hash}`;
}

export type FrameHandler = (message: FrameMessage) => void;

/** The frames one script mounted, with a handler each. */
export class HostFrames {
  private readonly handlers = new Map<HTMLIFrameElement, FrameHandler>();

  constructor(readonly emulatorOrigin: string) {
    window.addEventListener('message', (event) => {
      if (event.origin !== this.emulatorOrigin || !isFrameMessage(event.data)) return;
      const data = event.data;
      this.handlers.forEach((handler, iframe) => {
        if (iframe.contentWindow && iframe.contentWindow === event.source) handler(data);
      });
    });
  }

  set(iframe: HTMLIFrameElement, handler: FrameHandler): void {
    this.handlers.set(iframe, handler);
  }

  delete(iframe: HTMLIFrameElement): void {
    this.handlers.delete(iframe);
  }

  post(iframe: HTMLIFrameElement | null, message: FrameMessage): void {
    if (iframe?.contentWindow) iframe.contentWindow.postMessage({ ...message, ns: MESSAGE_NS }, this.emulatorOrigin);
  }

  url(page: string, extra?: Record<string, string>): string {
    return frameUrl(this.emulatorOrigin, page, extra);
  }
}

// A polite announcement that outlives the component that makes it: after an action that moves to
// another page (a replaced card opens the new card's page), the panel whose live region would
// have said so is gone. One visually hidden live region inside <main> (the page's landmark),
// made on first use and again if the layout was remounted; the words are cleared after a while so
// that stale news is not read out of context later.

const CLEAR_AFTER_MS = 10_000;
let region: HTMLElement | null = null;
let clearTimer: ReturnType<typeof setTimeout> | undefined;

function liveRegion(): HTMLElement {
  if (region?.isConnected) return region;
  region = document.createElement('div');
  region.className = 'visually-hidden';
  region.setAttribute('role', 'status');
  region.setAttribute('aria-live', 'polite');
  region.dataset.testid = 'announcer';
  (document.getElementById('main') ?? document.body).append(region);
  return region;
}

/** Says `message` to screen readers, politely (after what they are reading now). */
export function announce(message: string): void {
  const target = liveRegion();
  // A live region reads changes, not content: empty it first, then set the words a moment later,
  // so that the same message twice is read twice and a region made just now is already watched.
  target.textContent = '';
  clearTimeout(clearTimer);
  setTimeout(() => {
    target.textContent = message;
    clearTimer = setTimeout(() => (target.textContent = ''), CLEAR_AFTER_MS);
  }, 100);
}

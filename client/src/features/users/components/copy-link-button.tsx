import { useEffect, useState, type RefObject } from 'react';

type Outcome = 'copied' | 'selected' | null;

/**
 * Copies a one-time link shown once (the invitation) to the clipboard. Where the browser offers no
 * clipboard (an insecure origin, a refused permission) the link's text is selected instead, with
 * the words to copy it by hand. Either outcome is said in a polite live region beside the button.
 */
export function CopyLinkButton({
  text,
  target,
}: {
  text: string;
  /** The element showing the link: selected when the clipboard cannot be written. */
  target: RefObject<HTMLElement | null>;
}) {
  const [outcome, setOutcome] = useState<Outcome>(null);
  useEffect(() => {
    if (outcome !== 'copied') return;
    const timer = setTimeout(() => setOutcome(null), 5_000);
    return () => clearTimeout(timer);
  }, [outcome]);

  function selectText() {
    const node = target.current;
    const selection = window.getSelection();
    if (!node || !selection) return;
    selection.selectAllChildren(node);
    setOutcome('selected');
  }

  async function copy() {
    setOutcome(null);
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      setOutcome('copied');
    } catch {
      selectText();
    }
  }

  return (
    <>
      <button type="button" className="button-secondary" onClick={() => void copy()}>
        Copy link
      </button>{' '}
      <span role="status" aria-live="polite" className="muted small">
        {outcome === 'copied' ? 'Copied' : outcome === 'selected' ? 'Selected: press Ctrl+C (⌘C on a Mac) to copy' : ''}
      </span>
    </>
  );
}

import { useEffect, useId, useRef, type ReactNode } from 'react';
import './confirm-dialog.css';

/**
 * The confirmation before a risky action (docs/decisions/164-risky-actions-confirmed.md): a modal
 * <dialog> that says what happens and to whom (`title`, `description`), with the safe choice
 * focused first, so that Enter or a stray key press never does the risky thing. Escape and the
 * safe button close it (`onCancel`); the confirm button submits (`onConfirm`), and the caller
 * unmounts the dialog once the action is done. When it goes, focus returns to the control that
 * opened it (the browser would otherwise leave it on <body>).
 */
export function ConfirmDialog({
  title,
  description,
  children,
  confirmLabel,
  pendingLabel,
  cancelLabel = 'Cancel',
  danger = true,
  pending = false,
  error,
  onConfirm,
  onCancel,
}: {
  title: string;
  description: ReactNode;
  /** More of the form between the description and the buttons (a reason to pick, a note). */
  children?: ReactNode;
  confirmLabel: string;
  pendingLabel?: string;
  /** The safe choice, focused when the dialog opens. */
  cancelLabel?: string;
  danger?: boolean;
  pending?: boolean;
  error?: string | undefined;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const safeRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    // Whatever had focus before: the control that asked for the confirmation.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    // showModal() focuses the first focusable element (a radio, the risky button); the safe one
    // goes first instead. React's autoFocus runs before showModal and would be overridden.
    safeRef.current?.focus();
    return () => {
      // Removing the element ends the modal state (a close() here would fire onCancel). Focus goes
      // back to the opener once React has committed (it may be re-enabled in the same render).
      setTimeout(() => {
        const lost = !document.activeElement || document.activeElement === document.body;
        if (lost && opener?.isConnected) opener.focus();
      }, 0);
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      onClose={onCancel}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (!pending) onConfirm();
        }}
      >
        <h2 id={titleId}>{title}</h2>
        <div id={descriptionId}>{typeof description === 'string' ? <p>{description}</p> : description}</div>
        {children}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button-secondary" ref={safeRef} onClick={() => ref.current?.close()}>
            {cancelLabel}
          </button>
          <button type="submit" className={danger ? 'button-danger' : undefined} disabled={pending}>
            {pending && pendingLabel ? pendingLabel : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

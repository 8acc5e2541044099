// The optional note a card action leaves in the audit log (a ticket, how the caller was
// verified): the same field wherever a card's status changes.
export function NoteField({ id, note, onChange }: { id: string; note: string; onChange: (note: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>Note for the audit log (optional)</label>
      <input
        id={id}
        value={note}
        maxLength={500}
        onChange={(e) => onChange(e.target.value)}
        placeholder="e.g. ticket, how the caller was verified"
      />
    </div>
  );
}

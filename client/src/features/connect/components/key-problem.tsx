import { ErrorMessage } from '../../../components/status.tsx';

/**
 * Why a card component shows no "Show numbers": Stripe's components fetch the key as a card loads
 * and, without one, simply leave the button out. The page says why (e.g. Stripe has not enabled
 * Issuing Elements for connected accounts), rather than leaving the user to guess.
 */
export function KeyProblem({ message }: { message: string }) {
  return <ErrorMessage title="Card numbers can't be shown" message={message} />;
}
